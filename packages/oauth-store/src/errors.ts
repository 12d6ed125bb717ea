import { defineError } from "@atom/errors";
import { z } from "zod";

/**
 * The one message every state failure shows the client, so an attacker cannot tell an unknown state from a used,
 * expired or mismatched one. The error code tells them apart in your logs.
 */
export const STATE_ERROR_MESSAGE = "Invalid or expired OAuth state";

/** `OAUTH_STATE_INVALID` (400): no state with this value was issued (or it was purged). */
export const OAuthStateInvalidError = defineError({ code: "OAUTH_STATE_INVALID", status: 400, message: STATE_ERROR_MESSAGE });
/** `OAUTH_STATE_EXPIRED` (400): the state existed but its time to live ran out before it was consumed. */
export const OAuthStateExpiredError = defineError({ code: "OAUTH_STATE_EXPIRED", status: 400, message: STATE_ERROR_MESSAGE });
/** `OAUTH_STATE_USED` (400): the state was already consumed (a replay, or a second tab racing the first). */
export const OAuthStateUsedError = defineError({ code: "OAUTH_STATE_USED", status: 400, message: STATE_ERROR_MESSAGE });
/**
 * `OAUTH_STATE_MISMATCH` (400): the state was issued for another provider or user. The state is consumed anyway:
 * a state presented in the wrong context is burned.
 */
export const OAuthStateMismatchError = defineError({ code: "OAUTH_STATE_MISMATCH", status: 400, message: STATE_ERROR_MESSAGE });

const providerDetails = z.object({
  /** The OAuth provider, e.g. `google`. */
  provider: z.string(),
});

/** `OAUTH_REFRESH_FAILED` (502): the provider refused or failed the refresh. The cause is kept as `cause`. */
export const OAuthRefreshFailedError = defineError({
  code: "OAUTH_REFRESH_FAILED",
  status: 502,
  message: (d) => `[@atom/oauth-store] refreshing the access token of provider "${d.provider}" failed`,
  details: providerDetails,
});

/** `OAUTH_TOKENS_NOT_FOUND` (404): no active tokens are stored for this user and provider. */
export const OAuthTokensNotFoundError = defineError({
  code: "OAUTH_TOKENS_NOT_FOUND",
  status: 404,
  message: (d) => `[@atom/oauth-store] no active tokens for provider "${d.provider}"`,
  details: providerDetails,
});

/**
 * `OAUTH_DECRYPTION_FAILED` (500): a stored secret could not be decrypted: unknown key id, wrong key, a ciphertext
 * that was altered or moved to another (userId, provider) row, or a value that starts with `enc:` but is not a
 * sealed value at all (then `keyId` is null: such a value may be a plaintext secret, and none of it is repeated).
 */
export const OAuthDecryptionFailedError = defineError({
  code: "OAUTH_DECRYPTION_FAILED",
  status: 500,
  message: (d) =>
    `[@atom/oauth-store] a stored secret could not be decrypted (${d.keyId === null ? "not a sealed value" : `key id "${d.keyId}"`})`,
  details: z.object({
    /** The key id stored with the ciphertext; null when the value is not a well-formed sealed value. */
    keyId: z.string().nullable(),
  }),
});

/**
 * `OAUTH_STORED_VALUE_INVALID` (500): a stored value opened fine but is not what the store writes: a `raw` that is
 * not a JSON object (a legacy row kept verbatim, or one written behind the store's back). Never contains the value.
 */
export const OAuthStoredValueInvalidError = defineError({
  code: "OAUTH_STORED_VALUE_INVALID",
  status: 500,
  message: (d) => `[@atom/oauth-store] a stored ${d.field} is not a JSON object`,
  details: z.object({
    /** Which value of the row. */
    field: z.literal("raw"),
  }),
});

/**
 * `OAUTH_PLAINTEXT_REFUSED` (500): encryption is on, but a stored secret is not encrypted. Either it predates
 * encryption (migrate it with `allowPlaintext: true` and `reencryptAll()`), or it was written into the database
 * behind the store's back. Never contains the value.
 */
export const OAuthPlaintextRefusedError = defineError({
  code: "OAUTH_PLAINTEXT_REFUSED",
  status: 500,
  message: (d) => `[@atom/oauth-store] a stored ${d.field} is not encrypted and encryption is on (allowPlaintext is off)`,
  details: z.object({
    /** Which secret of the row: `access_token`, `refresh_token`, `raw` or `code_verifier`. */
    field: z.union([z.literal("access_token"), z.literal("refresh_token"), z.literal("raw"), z.literal("code_verifier")]),
  }),
});
