/**
 * The adapter contract. An adapter stores rows exactly as the core hands them over: secrets arrive already
 * sealed (encrypted when encryption is on) and state values arrive already hashed, so an adapter never sees a
 * plaintext token, verifier or state. Time always comes in as an argument (`now`), so adapters need no clock.
 */

/** Status of a stored token pair. */
export type TokenStatus = "active" | "revoked" | "refresh_failed";

/** A pending (or used) authorization state, as stored. */
export interface StateRecord {
  /** SHA-256 of the state value, base64url. Unique. */
  stateHash: string;
  /** The user the row belongs to. */
  userId: string;
  /** The provider key (`github`, `google`). */
  provider: string;
  /** Scopes, one per entry. */
  scopes: string[];
  /** The redirect URI of the authorization request, or null. */
  redirectUri: string | null;
  /** The PKCE verifier, sealed (encrypted when encryption is on), or null without PKCE. */
  codeVerifier: string | null;
  /** The caller's JSON metadata, or null. */
  metadata: Record<string, unknown> | null;
  /** When the row was first written. */
  createdAt: Date;
  /** When it expires (null: no expiry). */
  expiresAt: Date;
  /** When it was consumed; null while pending. */
  usedAt: Date | null;
}

/** What {@link OAuthStoreAdapter.upsertTokens} writes. Secrets are sealed. */
export interface TokenWrite {
  /** The user the row belongs to. */
  userId: string;
  /** The provider key (`github`, `google`). */
  provider: string;
  /** The access token. */
  accessToken: string;
  /**
   * null keeps the stored refresh token of an `active` row (providers often omit it on refresh); a `revoked` or
   * `refresh_failed` row's refresh token is dropped instead.
   */
  refreshToken: string | null;
  /** The token type, usually `Bearer`. */
  tokenType: string;
  /** Scopes, one per entry. */
  scopes: string[];
  /** When it expires (null: no expiry). */
  expiresAt: Date | null;
  /** The provider's full token response as sealed JSON, or null. */
  raw: string | null;
  /** The current instant, from the store's clock. */
  now: Date;
}

/** A token row, as stored. Secrets are sealed. */
export interface TokenRecord {
  /** The user the row belongs to. */
  userId: string;
  /** The provider key (`github`, `google`). */
  provider: string;
  /** The access token. */
  accessToken: string;
  /** The refresh token, or null. */
  refreshToken: string | null;
  /** The token type, usually `Bearer`. */
  tokenType: string;
  /** Scopes, one per entry. */
  scopes: string[];
  /** When it expires (null: no expiry). */
  expiresAt: Date | null;
  /** The provider's full token response. */
  raw: string | null;
  /** `active`, `revoked` or `refresh_failed`. */
  status: TokenStatus;
  /** Why the last refresh failed (never contains a secret). */
  lastError: string | null;
  /**
   * Incremented by every write that changes what the row says (tokens, status), the compare-and-set key. A
   * re-encryption ({@link OAuthStoreAdapter.replaceSecrets}) changes no secret, only how it is sealed, and keeps it.
   */
  version: number;
  /** When the row was first written. */
  createdAt: Date;
  /** When the row was last written. */
  updatedAt: Date;
}

/** The sealed secrets of a token row, as {@link OAuthStoreAdapter.replaceSecrets} writes them. */
export interface TokenSecrets {
  /** The access token. */
  accessToken: string;
  /** The refresh token, or null. */
  refreshToken: string | null;
  /** The provider's full token response. */
  raw: string | null;
}

/**
 * What a write that ends a refresh must still find: the writer holds the refresh lock (`owner`) and the row has
 * the `version` it had when the lock was taken. Every other write (save, revoke, delete, a takeover that
 * finished) clears the lock or changes the version, so a refresh that lost its lock or raced a revoke writes nothing.
 * A re-encryption does neither: it changes no secret, so it does not defeat the refresh.
 */
export interface RefreshLease {
  /** The lock owner passed to {@link OAuthStoreAdapter.acquireRefreshLock}. */
  owner: string;
  /** The row's `version` when the lock was taken. */
  version: number;
}

/** A token row without its secrets, as {@link OAuthStoreAdapter.listConnections} reads it. */
export interface ConnectionRecord {
  /** The user the row belongs to. */
  userId: string;
  /** The provider key (`github`, `google`). */
  provider: string;
  /** The token type, usually `Bearer`. */
  tokenType: string;
  /** Scopes, one per entry. */
  scopes: string[];
  /** When the access token expires (null: no expiry). */
  expiresAt: Date | null;
  /** `active`, `revoked` or `refresh_failed`. */
  status: TokenStatus;
  /** Why the last refresh failed (never contains a secret). */
  lastError: string | null;
  /** Whether a refresh token is stored. */
  hasRefreshToken: boolean;
  /** When the row was first written. */
  createdAt: Date;
  /** When the row was last written. */
  updatedAt: Date;
}

/** A position in the (userId, provider) order, for keyset pagination. */
export interface TokenCursor {
  /** The user the row belongs to. */
  userId: string;
  /** The provider key (`github`, `google`). */
  provider: string;
}

/**
 * Storage behind an OAuth store. Implement it to use another database, then prove it with
 * `runOAuthStoreConformance` from `@atom/oauth-store/testing`.
 *
 * Atomicity requirements are stated on each method; the conformance kit tests them under concurrency.
 */
export interface OAuthStoreAdapter {
  /** A short name used in error messages (`memory`, `postgres`, `mongodb`). */
  readonly name: string;

  /** Inserts a new state. State hashes are unique. */
  insertState(record: StateRecord): Promise<void>;
  /**
   * Marks the state used and returns it, **in one atomic step**, only when it exists, is unused and
   * `expiresAt > now`; otherwise returns null and changes nothing. Of N concurrent calls, at most one gets the row.
   */
  consumeState(stateHash: string, now: Date): Promise<StateRecord | null>;
  /** Reads a state without changing it (used to tell "used" from "expired" from "unknown" after a failed consume). */
  findState(stateHash: string): Promise<StateRecord | null>;
  /** Deletes up to `limit` states with `expiresAt <= before`; returns how many it deleted. */
  purgeStates(before: Date, limit: number): Promise<number>;

  /**
   * Inserts or replaces the row of (userId, provider), atomically. When `refreshToken` is null, keeps the stored
   * refresh token only if the row was `active`: a revoked or failed refresh token must not come back with a new
   * authorization. Sets status `active`, clears `lastError` and any refresh lock, increments `version`.
   */
  upsertTokens(write: TokenWrite): Promise<TokenRecord>;
  /** The row of (userId, provider), or null. */
  getTokens(userId: string, provider: string): Promise<TokenRecord | null>;
  /** Every row of a user, ordered by provider. */
  listTokensByUser(userId: string): Promise<TokenRecord[]>;
  /** Up to `limit` rows after `after` in (userId, provider) order. */
  listTokens(after: TokenCursor | null, limit: number): Promise<TokenRecord[]>;
  /**
   * Updates the row of (userId, provider) with refreshed tokens **only while `lease` holds** (lock owner and
   * version unchanged), atomically; never inserts. Keeps the stored refresh token when `refreshToken` is null.
   * Sets status `active`, clears `lastError` and the lock, increments `version`. Null when the lease was lost.
   */
  saveRefreshedTokens(write: TokenWrite, lease: RefreshLease): Promise<TokenRecord | null>;
  /**
   * Sets status `refresh_failed` with `lastError` **only while `lease` holds**, atomically; clears the lock and
   * increments `version`. False when the lease was lost (a revoke, a save or a takeover came first).
   */
  markRefreshFailed(userId: string, provider: string, lease: RefreshLease, lastError: string, now: Date): Promise<boolean>;
  /** Deletes the row of (userId, provider), or every row of the user when `provider` is null; returns how many. */
  deleteTokens(userId: string, provider: string | null): Promise<number>;
  /** Every row of a user without its secrets, ordered by provider (`COLLATE "C"` order). */
  listConnections(userId: string): Promise<ConnectionRecord[]>;
  /**
   * Sets the status and last error unconditionally (a revoke wins over any refresh in flight), clears any refresh
   * lock, increments `version`. False when there is no row.
   */
  setTokenStatus(userId: string, provider: string, status: TokenStatus, lastError: string | null, now: Date): Promise<boolean>;
  /**
   * Replaces the sealed secrets only if the row still has `version` (compare-and-set), atomically; false when it
   * changed, so a save that came first is never undone. The secrets are the same ones sealed under another key, so
   * it **keeps `version` and the refresh lock**: a refresh in flight then still ends with its conditional write.
   */
  replaceSecrets(userId: string, provider: string, version: number, secrets: TokenSecrets, now: Date): Promise<boolean>;

  /**
   * Takes the refresh lock of (userId, provider) for `owner` until `until`, **atomically**, only when no one holds
   * it or the holder's lock ended (`lockedUntil <= now`). Returns the row when taken, null otherwise.
   */
  acquireRefreshLock(userId: string, provider: string, owner: string, until: Date, now: Date): Promise<TokenRecord | null>;
  /** Releases the lock if `owner` still holds it. */
  releaseRefreshLock(userId: string, provider: string, owner: string): Promise<void>;
}
