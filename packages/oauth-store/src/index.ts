/**
 * `@atom/oauth-store`: single-use OAuth `state` with PKCE, and token storage with encryption at rest and
 * single-flight refresh, on memory, Postgres (`@atom/oauth-store/postgres`) or MongoDB (`@atom/oauth-store/mongodb`).
 *
 * ```sh
 * npm install @atom/oauth-store
 * ```
 *
 * @example
 * ```ts
 * import { createOAuthStore } from "@atom/oauth-store";
 *
 * const store = createOAuthStore({ encryption: { keys: { v1: process.env.OAUTH_KEY! }, current: "v1" } });
 * const { state, codeChallenge } = await store.createState({ userId: "u1", provider: "github", pkce: true });
 * // redirect to the provider with state + code_challenge; on the callback:
 * const { codeVerifier } = await store.consumeState(callbackState, { provider: "github", userId: "u1" });
 * await store.saveTokens({ userId: "u1", provider: "github", accessToken, refreshToken, expiresIn: 3600 });
 * const { accessToken: fresh } = await store.getValidAccessToken("u1", "github", { refresh: callTokenEndpoint });
 * ```
 * @packageDocumentation
 */
export { createOAuthStore } from "./store.js";
export { memoryAdapter } from "./memory.js";
export { pkceChallenge } from "./state-values.js";
export { OAUTH_STORE_LIMITS } from "./limits.js";
export type { EncryptionKey, EncryptionOptions } from "./encryption.js";
export {
  OAuthDecryptionFailedError,
  OAuthPlaintextRefusedError,
  OAuthRefreshFailedError,
  OAuthStateExpiredError,
  OAuthStateInvalidError,
  OAuthStateMismatchError,
  OAuthStateUsedError,
  OAuthStoredValueInvalidError,
  OAuthTokensNotFoundError,
  STATE_ERROR_MESSAGE,
} from "./errors.js";
export type {
  ConsumedState,
  ConsumeStateOptions,
  CreatedState,
  CreateStateInput,
  GetValidAccessTokenOptions,
  OAuthConnection,
  OAuthStore,
  OAuthStoreOptions,
  OAuthTokens,
  PurgeExpiredOptions,
  ReencryptResult,
  RefreshedTokens,
  SaveTokensInput,
} from "./store-types.js";
export type {
  ConnectionRecord,
  OAuthStoreAdapter,
  RefreshLease,
  StateRecord,
  TokenCursor,
  TokenRecord,
  TokenSecrets,
  TokenStatus,
  TokenWrite,
} from "./types.js";
