import { createHash } from "node:crypto";
import type { GovernedRequestInfo } from "./types.js";

/**
 * What an approval is bound to besides agent, action name and complexity: a SHA-256 (hex) of the request's
 * upper-case method, its route pattern (or path when the host gave none) and the caller's digest. A check without a
 * request has its own fingerprint, which no HTTP request shares.
 * @example requestFingerprint({ method: "POST", path: "/emails/7", route: "/emails/:id", digest: "sha256:ab12" })
 */
export function requestFingerprint(request: GovernedRequestInfo | undefined): string {
  const parts =
    request === undefined
      ? [null, null, null]
      : [request.method.toUpperCase(), request.route ?? request.path, request.digest ?? null];
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

const COMPLEXITY_NAMES: readonly string[] = ["complexity:0", "complexity:1", "complexity:2", "complexity:3", "complexity:4"];

/** The default action name of a check that named none: `POST /emails`, else `complexity:<n>`. @internal */
export function defaultActionName(request: GovernedRequestInfo | undefined, complexity: number): string {
  if (request !== undefined) return `${request.method.toUpperCase()} ${request.route ?? request.path}`;
  // A constant per level: no string is built on the hot path.
  return COMPLEXITY_NAMES[complexity] ?? `complexity:${complexity}`;
}
