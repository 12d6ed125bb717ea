import type { Sealer } from "./encryption.js";
import { OAuthStoredValueInvalidError } from "./errors.js";
import { secretView } from "./secret-view.js";
import type { OAuthConnection, OAuthTokens } from "./store-types.js";
import type { ConnectionRecord, TokenRecord, TokenSecrets } from "./types.js";

const tokensView = secretView<OAuthTokens>(["accessToken", "refreshToken", "raw"]);

/** Seals the secrets of one row. @internal */
export function sealSecrets(
  sealer: Sealer,
  userId: string,
  provider: string,
  plain: { accessToken: string; refreshToken: string | null; raw: Record<string, unknown> | null },
): TokenSecrets {
  return {
    accessToken: sealer.seal(plain.accessToken, userId, provider, "access_token"),
    refreshToken: plain.refreshToken === null ? null : sealer.seal(plain.refreshToken, userId, provider, "refresh_token"),
    raw: plain.raw === null ? null : sealer.seal(JSON.stringify(plain.raw), userId, provider, "raw"),
  };
}

/**
 * The stored provider response, which must be the JSON object the store wrote. A `SyntaxError` quotes the text it
 * choked on, and the text is a secret, so neither the error nor its message goes on.
 */
function parseRaw(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OAuthStoredValueInvalidError({ field: "raw" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new OAuthStoredValueInvalidError({ field: "raw" });
  return value as Record<string, unknown>;
}

/** Opens a stored row into the public shape, whose JSON and `util.inspect` hide the secrets. @internal */
export function openTokens(sealer: Sealer, row: TokenRecord): OAuthTokens {
  const { userId, provider } = row;
  return tokensView({
    userId,
    provider,
    accessToken: sealer.open(row.accessToken, userId, provider, "access_token"),
    refreshToken: row.refreshToken === null ? null : sealer.open(row.refreshToken, userId, provider, "refresh_token"),
    tokenType: row.tokenType,
    scopes: row.scopes,
    expiresAt: row.expiresAt,
    status: row.status,
    lastError: row.lastError,
    raw: row.raw === null ? null : parseRaw(sealer.open(row.raw, userId, provider, "raw")),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}

/** The public shape of a connection row (it has no secrets to open). @internal */
export function toConnection(row: ConnectionRecord): OAuthConnection {
  return {
    userId: row.userId,
    provider: row.provider,
    tokenType: row.tokenType,
    scopes: row.scopes,
    expiresAt: row.expiresAt,
    status: row.status,
    lastError: row.lastError,
    hasRefreshToken: row.hasRefreshToken,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The absolute expiry from `expiresAt` or `expiresIn` (seconds). @internal */
export function resolveExpiry(input: { expiresAt?: Date | null | undefined; expiresIn?: number | undefined }, now: Date): Date | null {
  if (input.expiresIn !== undefined) return new Date(now.getTime() + input.expiresIn * 1000);
  return input.expiresAt ?? null;
}

/** True when `expiresAt` falls within `skewSeconds` of `now`. @internal */
export function expiresWithin(expiresAt: Date | null, now: Date, skewSeconds: number): boolean {
  return expiresAt !== null && expiresAt.getTime() - skewSeconds * 1000 <= now.getTime();
}
