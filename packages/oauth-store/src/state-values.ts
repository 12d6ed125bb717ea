import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh state value: 256 bits from `crypto.randomBytes`, base64url (43 characters). @internal */
export function newStateValue(): string {
  return randomBytes(32).toString("base64url");
}

/** SHA-256 of a state value, base64url: what adapters store, so a database dump reveals no usable state. @internal */
export function hashState(state: string): string {
  return createHash("sha256").update(state, "utf8").digest("base64url");
}

/** Compares two hashes in constant time (a database index lookup is not a comparison we can trust). @internal */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A PKCE pair (RFC 7636, method S256): a 256-bit verifier and its challenge. @internal */
export function newPkcePair(): { codeVerifier: string; codeChallenge: string } {
  const codeVerifier = randomBytes(32).toString("base64url");
  return { codeVerifier, codeChallenge: pkceChallenge(codeVerifier) };
}

/** The S256 challenge of a PKCE verifier: `base64url(sha256(verifier))`. */
export function pkceChallenge(codeVerifier: string): string {
  return createHash("sha256").update(codeVerifier, "ascii").digest("base64url");
}
