/**
 * The size caps every public method enforces, rejecting larger input with `VALIDATION_ERROR` (and `details.field`).
 * They bound what one call can make the store hash, encrypt, send to the database or hold in memory.
 *
 * @example
 * ```ts
 * import { OAUTH_STORE_LIMITS } from "@atom/oauth-store";
 * if (response.access_token.length > OAUTH_STORE_LIMITS.token) throw new Error("provider sent an oversized token");
 * ```
 */
export const OAUTH_STORE_LIMITS = {
  /** `userId` and `provider`, in characters. */
  id: 255,
  /** An access or refresh token, and each `redact` value, in characters. */
  token: 16_384,
  /** `tokenType`, in characters. */
  tokenType: 64,
  /** One scope, in characters. */
  scope: 256,
  /** Number of scopes. */
  scopes: 100,
  /** A space-separated scope string, in characters. */
  scopeString: 8192,
  /** `redirectUri`, in characters. */
  url: 2048,
  /** A `state` handed to `consumeState`, in characters. */
  state: 512,
  /** `metadata` of a state, in bytes of JSON. */
  metadataBytes: 8192,
  /** `raw` provider response, in bytes of JSON. */
  rawBytes: 65_536,
  /** Nesting depth of `metadata` and `raw`. */
  jsonDepth: 10,
  /** Values (keys, strings, numbers, objects...) in `metadata` or `raw`. */
  jsonValues: 10_000,
  /** `expiresIn`, in seconds (100 years). */
  expiresIn: 3_155_760_000,
  /** Latest accepted `expiresAt` or `before`, in ms since the epoch (9999-12-31T23:59:59.999Z); the earliest is 0. */
  maxTime: 253_402_300_799_999,
  /** `skewSeconds`, in seconds (one day). */
  skewSeconds: 86_400,
  /** `stateTtl`, in seconds (one day). */
  stateTtl: 86_400,
  /** `refreshLockTtl`, in seconds (one hour). */
  refreshLockTtl: 3600,
  /** Number of `redact` values. */
  redact: 20,
} as const;
