import type { EncryptionOptions } from "./encryption.js";
import type { ConnectionRecord, OAuthStoreAdapter, TokenStatus } from "./types.js";

/** Options of {@link createOAuthStore}. */
export interface OAuthStoreOptions {
  /**
   * Where states and tokens live.
   * @default memoryAdapter() (one process only; use Postgres or MongoDB in production)
   */
  adapter?: OAuthStoreAdapter;
  /** Encrypts tokens and PKCE verifiers at rest (AES-256-GCM). Strongly recommended. @default no encryption */
  encryption?: EncryptionOptions;
  /** The time source (inject one in tests). @default () => new Date() */
  clock?: () => Date;
  /** How long a state stays valid, in seconds. @default 600 */
  stateTtl?: number;
  /** How long a refresh lock is held before another process may take it over, in seconds. @default 30 */
  refreshLockTtl?: number;
  /**
   * How a process that finds another process refreshing waits for it: polls every `intervalMs`, at most
   * `timeoutMs` in total, then throws `OAUTH_REFRESH_FAILED`.
   * @default { intervalMs: 50, timeoutMs: 10000 }
   */
  refreshWait?: {
    /** How often to check whether the other refresh finished, in ms. */
    intervalMs?: number;
    /** How long to wait at most, in ms. */
    timeoutMs?: number;
  };
  /**
   * Secrets the store never sees as input but your `refresh` callback uses, typically the OAuth client secret.
   * They are cut out of every error the store wraps (a provider failure, a driver error), along with the row's
   * own tokens and anything shaped like `client_secret=...` or `Bearer ...`. At most 20.
   * @default []
   */
  redact?: string[];
}

/** Input of {@link OAuthStore.createState}. */
export interface CreateStateInput {
  /** The signed-in user starting the flow. */
  userId: string;
  /** The provider key (`google`, `github`). */
  provider: string;
  /** Scopes requested. @default [] */
  scopes?: string[];
  /** The redirect URI sent in the authorization request, kept to be replayed in the token request. */
  redirectUri?: string;
  /** Also make a PKCE S256 pair; the challenge is returned, the verifier stored. @default false */
  pkce?: boolean;
  /** Anything else to get back on the callback (a return path, a tenant id). JSON only; never secrets. */
  metadata?: Record<string, unknown>;
}

/** What {@link OAuthStore.createState} returns: put these in the authorization URL. */
export interface CreatedState {
  /** The `state` parameter: 256 random bits, base64url. */
  state: string;
  /** The PKCE `code_challenge` (method S256), when `pkce` was requested. */
  codeChallenge?: string;
  /** Always `S256` when `codeChallenge` is present. */
  codeChallengeMethod?: "S256";
  /** When the state stops being accepted. */
  expiresAt: Date;
}

/** What {@link OAuthStore.consumeState} returns, once. `JSON.stringify` and `util.inspect` hide `codeVerifier`. */
export interface ConsumedState {
  /** The user the row belongs to. */
  userId: string;
  /** The provider key (`github`, `google`). */
  provider: string;
  /** Scopes, one per entry. */
  scopes: string[];
  /** The redirect URI of the authorization request, or null. */
  redirectUri: string | null;
  /** The PKCE `code_verifier` for the token request, or null without PKCE. */
  codeVerifier: string | null;
  /** The caller's JSON metadata, or null. */
  metadata: Record<string, unknown> | null;
  /** When the row was first written. */
  createdAt: Date;
  /** When it expires (null: no expiry). */
  expiresAt: Date;
}

/** Who may consume a state. */
export interface ConsumeStateOptions {
  /** The provider whose callback received the state. Must match. */
  provider: string;
  /** The signed-in user, when known. Must match when given. */
  userId?: string;
}

/** Input of {@link OAuthStore.saveTokens}: a provider's token response. */
export interface SaveTokensInput {
  /** The user the row belongs to. */
  userId: string;
  /** The provider key (`github`, `google`). */
  provider: string;
  /** The access token. */
  accessToken: string;
  /**
   * Omit (or null) when the provider sent none: the stored refresh token is then kept if the row is `active`. A
   * `revoked` or `refresh_failed` row's refresh token is dead and is dropped, never carried into a new authorization.
   */
  refreshToken?: string | null;
  /** Absolute expiry. Give this or `expiresIn`; neither means "does not expire". */
  expiresAt?: Date | null;
  /** Lifetime in seconds from now (the provider's `expires_in`). */
  expiresIn?: number;
  /** Granted scopes, as an array or the provider's space-separated string. @default [] */
  scopes?: string[] | string;
  /** @default "Bearer" */
  tokenType?: string;
  /** The provider's full response, stored (encrypted when encryption is on) for later needs such as `id_token`. */
  raw?: Record<string, unknown>;
}

/**
 * A stored token pair, decrypted. Read its fields directly; `JSON.stringify` and `util.inspect` (`console.log`)
 * show `[redacted]` for `accessToken`, `refreshToken` and `raw`, so a logged or serialized object leaks nothing.
 */
export interface OAuthTokens {
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
  /** null when the provider gave no lifetime. */
  expiresAt: Date | null;
  /** `active`, `revoked` or `refresh_failed`. */
  status: TokenStatus;
  /** Why the last refresh failed, when `status` is `refresh_failed`. */
  lastError: string | null;
  /** The provider's full token response. */
  raw: Record<string, unknown> | null;
  /** When the row was first written. */
  createdAt: Date;
  /** When the row was last written. */
  updatedAt: Date;
}

/** What a refresh callback returns: the provider's answer to a `refresh_token` grant. */
export interface RefreshedTokens {
  /** The access token. */
  accessToken: string;
  /** A rotated refresh token; omit to keep the current one. */
  refreshToken?: string | null;
  /** Absolute expiry of the new access token (give this or `expiresIn`). */
  expiresAt?: Date | null;
  /** Lifetime of the new access token in seconds (`expires_in`). */
  expiresIn?: number;
  /** @default the current scopes */
  scopes?: string[] | string;
  /** @default the current token type */
  tokenType?: string;
  /** The provider's full token response. */
  raw?: Record<string, unknown>;
}

/** Options of {@link OAuthStore.getValidAccessToken}. */
export interface GetValidAccessTokenOptions {
  /** Calls the provider's token endpoint with the refresh token. Called at most once per expiry, across processes. */
  refresh: (refreshToken: string, current: OAuthTokens) => Promise<RefreshedTokens>;
  /** Refresh this many seconds before the actual expiry. @default 60 */
  skewSeconds?: number;
}

/** A connection as {@link OAuthStore.listConnections} lists it: everything but the secrets, which are never read. */
export type OAuthConnection = ConnectionRecord;

/** Options of {@link OAuthStore.purgeExpired}. */
export interface PurgeExpiredOptions {
  /** Delete states that expired at or before this instant. @default now */
  before?: Date;
  /** Rows deleted per statement; batches run until none are left. @default 1000 */
  limit?: number;
}

/** What {@link OAuthStore.reencryptAll} did. */
export interface ReencryptResult {
  /** Rows read. */
  scanned: number;
  /** Rows rewritten under the current key. */
  updated: number;
}

/**
 * The store made by {@link createOAuthStore}. Every method but `isExpired` is `async`: bad input rejects (never
 * throws) with a `VALIDATION_ERROR` whose `details.field` names the argument or field (`userId`, `options.provider`,
 * `scopes.2`). Sizes are capped by `OAUTH_STORE_LIMITS`.
 */
export interface OAuthStore {
  /** The adapter in use. */
  readonly adapter: OAuthStoreAdapter;
  /**
   * Issues a state (and optionally a PKCE pair) for an authorization request. Several may be pending per user.
   * @throws {ValidationError} on bad input
   */
  createState(input: CreateStateInput): Promise<CreatedState>;
  /**
   * Consumes a state from a callback: exactly once, atomically, only if unexpired and issued for this provider
   * (and user, when given).
   * @throws {OAuthStateInvalidError} `OAUTH_STATE_INVALID` unknown state
   * @throws {OAuthStateExpiredError} `OAUTH_STATE_EXPIRED`
   * @throws {OAuthStateUsedError} `OAUTH_STATE_USED` already consumed
   * @throws {OAuthStateMismatchError} `OAUTH_STATE_MISMATCH` other provider or user (the state is burned)
   */
  consumeState(state: string, options: ConsumeStateOptions): Promise<ConsumedState>;
  /** Deletes expired states in batches; returns how many. */
  purgeExpired(options?: PurgeExpiredOptions): Promise<number>;
  /**
   * Inserts or replaces the tokens of (userId, provider), keeping the old refresh token of an `active` row when none
   * is given. An unknown key in `input` (`expires_in`) is refused, not ignored.
   * @throws {ValidationError} on bad input or an unknown key (`details.field` names it)
   */
  saveTokens(input: SaveTokensInput): Promise<OAuthTokens>;
  /** The tokens of (userId, provider), whatever their status, or null. */
  getTokens(userId: string, provider: string): Promise<OAuthTokens | null>;
  /**
   * Marks the tokens `revoked` (call your provider's revocation endpoint too). Returns false when there were none.
   * A revoke always wins: a refresh in flight in any process finds its write refused, and its
   * `getValidAccessToken` throws `OAUTH_TOKENS_NOT_FOUND`. Only a later `saveTokens` (a new authorization) reactivates.
   */
  revokeTokens(userId: string, provider: string): Promise<boolean>;
  /**
   * Deletes the tokens of (userId, provider), or every provider's tokens of the user when `provider` is omitted
   * (account deletion). Returns how many rows went. Like a revoke, it wins over a refresh in flight: nothing is
   * written back.
   */
  deleteTokens(userId: string, provider?: string): Promise<number>;
  /** Every provider's tokens of a user, decrypted. */
  listByUser(userId: string): Promise<OAuthTokens[]>;
  /** A user's connections (provider, status, scopes, expiry, whether a refresh token is stored) without reading or decrypting any secret. */
  listConnections(userId: string): Promise<OAuthConnection[]>;
  /**
   * True when the token expires within `skewSeconds` (false when it has no expiry). The one synchronous method:
   * it does no I/O, and a Promise in an `if` would always be truthy.
   * @throws {ValidationError} when `expiresAt` is not a valid Date or null, or `skewSeconds` is out of range
   */
  isExpired(token: Pick<OAuthTokens, "expiresAt">, options?: { skewSeconds?: number }): boolean;
  /**
   * Returns tokens whose access token is fresh, refreshing them first when needed. Under concurrency, in this
   * process and across processes sharing the adapter, `refresh` runs once; the others wait and read its result.
   * @throws {OAuthTokensNotFoundError} `OAUTH_TOKENS_NOT_FOUND` no tokens, or revoked
   * @throws {OAuthRefreshFailedError} `OAUTH_REFRESH_FAILED` no refresh token, or the refresh failed (status becomes `refresh_failed`)
   */
  getValidAccessToken(userId: string, provider: string, options: GetValidAccessTokenOptions): Promise<OAuthTokens>;
  /**
   * Rewrites every token row not yet under the current key (after a key rotation, or after turning encryption on).
   * Each write applies only at the version it read, so a concurrent save is never undone (that row counts as not
   * updated), and it keeps the version and the refresh lock, so a refresh in flight still saves the provider's answer.
   * @throws {OAuthDecryptionFailedError} `OAUTH_DECRYPTION_FAILED` a row is sealed under a key this store does not hold
   * @throws {OAuthStoredValueInvalidError} `OAUTH_STORED_VALUE_INVALID` a row's `raw` is not a JSON object
   */
  reencryptAll(options?: { batchSize?: number }): Promise<ReencryptResult>;
}
