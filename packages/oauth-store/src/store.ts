import { parseInput } from "@atom/errors";
import { createSealer } from "./encryption.js";
import { OAuthStateExpiredError, OAuthStateInvalidError, OAuthStateMismatchError, OAuthStateUsedError } from "./errors.js";
import { guardAdapter } from "./guard.js";
import { memoryAdapter } from "./memory.js";
import { refreshAcrossProcesses } from "./refresh.js";
import { parseArgument } from "./arguments.js";
import {
  batchSchema,
  consumeOptionsSchema,
  createStateSchema,
  idSchema,
  isExpiredSchema,
  purgeSchema,
  refreshedSchema,
  saveTokensSchema,
  stateValueSchema,
  storeOptionsSchema,
  validAccessTokenOptionsSchema,
} from "./schemas.js";
import { secretView } from "./secret-view.js";
import { hashState, newPkcePair, newStateValue, sameHash } from "./state-values.js";
import type { ConsumedState, GetValidAccessTokenOptions, OAuthStore, OAuthStoreOptions, OAuthTokens } from "./store-types.js";
import { expiresWithin, openTokens, resolveExpiry, sealSecrets, toConnection } from "./token-codec.js";
import type { TokenCursor, TokenWrite } from "./types.js";

const ctx = (fn: string) => `[@atom/oauth-store] ${fn}`;
const id = (value: unknown, field: "userId" | "provider", fn: string): string => parseArgument(idSchema, value, field, ctx(fn));
const consumedView = secretView<ConsumedState>(["codeVerifier"]);

/**
 * Creates an OAuth store: single-use states with PKCE for the authorization request, and token storage with
 * encryption at rest and single-flight refresh.
 *
 * @example
 * ```ts
 * const store = createOAuthStore({ adapter: postgresAdapter({ pool }), encryption: { keys: { v1: key }, current: "v1" } });
 * const { state, codeChallenge } = await store.createState({ userId, provider: "github", scopes: ["repo"], pkce: true });
 * // ... redirect; on the callback:
 * const { codeVerifier } = await store.consumeState(query.state, { provider: "github", userId });
 * ```
 * @throws {ValidationError} when the options are invalid (an encryption key that is not 32 bytes, an unknown
 * option such as `stateTTL`, ...); `details.field` names it
 */
export function createOAuthStore(options: OAuthStoreOptions = {}): OAuthStore {
  const settings = parseInput(storeOptionsSchema, options, ctx("createOAuthStore"));
  const given = settings.adapter ?? memoryAdapter();
  const adapter = guardAdapter(given, settings.redact);
  const sealer = createSealer(options.encryption);
  const now = settings.clock ?? (() => new Date());
  const inFlight = new Map<string, Promise<OAuthTokens>>();

  const tokenWrite = (
    userId: string,
    provider: string,
    input: { accessToken: string; refreshToken?: string | null | undefined; raw?: Record<string, unknown> | undefined },
    rest: Pick<TokenWrite, "tokenType" | "scopes" | "expiresAt" | "now">,
  ): TokenWrite => ({
    userId,
    provider,
    ...sealSecrets(sealer, userId, provider, {
      accessToken: input.accessToken,
      refreshToken: input.refreshToken ?? null,
      raw: input.raw ?? null,
    }),
    ...rest,
  });

  const store: OAuthStore = {
    adapter: given,

    async createState(input) {
      const parsed = parseInput(createStateSchema, input, ctx("createState"));
      const state = newStateValue();
      const pkce = parsed.pkce ? newPkcePair() : undefined;
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + settings.stateTtl * 1000);
      await adapter.insertState({
        stateHash: hashState(state),
        userId: parsed.userId,
        provider: parsed.provider,
        scopes: parsed.scopes,
        redirectUri: parsed.redirectUri ?? null,
        codeVerifier: pkce ? sealer.seal(pkce.codeVerifier, parsed.userId, parsed.provider, "code_verifier") : null,
        metadata: parsed.metadata ?? null,
        createdAt,
        expiresAt,
        usedAt: null,
      });
      return pkce ? { state, codeChallenge: pkce.codeChallenge, codeChallengeMethod: "S256", expiresAt } : { state, expiresAt };
    },

    async consumeState(state, opts) {
      const value = parseArgument(stateValueSchema, state, "state", ctx("consumeState"));
      const expected = parseArgument(consumeOptionsSchema, opts, "options", ctx("consumeState"));
      const stateHash = hashState(value);
      const record = await adapter.consumeState(stateHash, now());
      if (record === null || !sameHash(record.stateHash, stateHash)) {
        const found = await adapter.findState(stateHash);
        if (found === null) throw new OAuthStateInvalidError();
        if (found.usedAt !== null) throw new OAuthStateUsedError();
        throw new OAuthStateExpiredError();
      }
      if (record.provider !== expected.provider || (expected.userId !== undefined && record.userId !== expected.userId)) {
        throw new OAuthStateMismatchError();
      }
      return consumedView({
        userId: record.userId,
        provider: record.provider,
        scopes: record.scopes,
        redirectUri: record.redirectUri,
        codeVerifier:
          record.codeVerifier === null ? null : sealer.open(record.codeVerifier, record.userId, record.provider, "code_verifier"),
        metadata: record.metadata,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
      });
    },

    async purgeExpired(opts) {
      const parsed = parseInput(purgeSchema, opts ?? {}, ctx("purgeExpired"));
      const before = parsed.before ?? now();
      let total = 0;
      for (;;) {
        const deleted = await adapter.purgeStates(before, parsed.limit);
        total += deleted;
        if (deleted < parsed.limit) return total;
      }
    },

    async saveTokens(input) {
      const parsed = parseInput(saveTokensSchema, input, ctx("saveTokens"));
      const at = now();
      const row = await adapter.upsertTokens(
        tokenWrite(parsed.userId, parsed.provider, parsed, {
          tokenType: parsed.tokenType,
          scopes: parsed.scopes,
          expiresAt: resolveExpiry(parsed, at),
          now: at,
        }),
      );
      return openTokens(sealer, row);
    },

    async getTokens(userId, provider) {
      const row = await adapter.getTokens(id(userId, "userId", "getTokens"), id(provider, "provider", "getTokens"));
      return row === null ? null : openTokens(sealer, row);
    },

    async revokeTokens(userId, provider) {
      const user = id(userId, "userId", "revokeTokens");
      return adapter.setTokenStatus(user, id(provider, "provider", "revokeTokens"), "revoked", null, now());
    },

    async deleteTokens(userId, provider) {
      const user = id(userId, "userId", "deleteTokens");
      return adapter.deleteTokens(user, provider === undefined ? null : id(provider, "provider", "deleteTokens"));
    },

    async listByUser(userId) {
      const rows = await adapter.listTokensByUser(id(userId, "userId", "listByUser"));
      return rows.map((row) => openTokens(sealer, row));
    },

    async listConnections(userId) {
      return (await adapter.listConnections(id(userId, "userId", "listConnections"))).map(toConnection);
    },

    isExpired(token, opts) {
      const parsed = parseInput(isExpiredSchema, { token: { expiresAt: token?.expiresAt }, options: opts }, ctx("isExpired"));
      return expiresWithin(parsed.token.expiresAt, now(), parsed.options.skewSeconds);
    },

    async getValidAccessToken(userId, provider, opts) {
      const user = id(userId, "userId", "getValidAccessToken");
      const prov = id(provider, "provider", "getValidAccessToken");
      const { refresh, skewSeconds } = parseArgument(validAccessTokenOptionsSchema, opts, "options", ctx("getValidAccessToken"));
      const key = JSON.stringify([user, prov]);
      const pending = inFlight.get(key);
      if (pending) return pending;
      const run = refreshAcrossProcesses(
        {
          adapter,
          now,
          open: (row) => openTokens(sealer, row),
          isFresh: (tokens) => !expiresWithin(tokens.expiresAt, now(), skewSeconds),
          prepare: (current, refreshed) => {
            const next = parseInput(refreshedSchema, refreshed, ctx("getValidAccessToken refresh result"));
            const at = now();
            return tokenWrite(current.userId, current.provider, next, {
              tokenType: next.tokenType ?? current.tokenType,
              scopes: next.scopes ?? current.scopes,
              expiresAt: resolveExpiry(next, at),
              now: at,
            });
          },
          redact: settings.redact,
          lockTtlMs: settings.refreshLockTtl * 1000,
          intervalMs: settings.refreshWait.intervalMs,
          timeoutMs: settings.refreshWait.timeoutMs,
        },
        user,
        prov,
        refresh as GetValidAccessTokenOptions["refresh"],
      ).finally(() => inFlight.delete(key));
      inFlight.set(key, run);
      return run;
    },

    async reencryptAll(opts) {
      const { batchSize } = parseInput(batchSchema, opts ?? {}, ctx("reencryptAll"));
      let cursor: TokenCursor | null = null;
      let scanned = 0;
      let updated = 0;
      for (;;) {
        const rows = await adapter.listTokens(cursor, batchSize);
        for (const row of rows) {
          scanned++;
          const stale = [row.accessToken, row.refreshToken, row.raw].some((v) => v !== null && sealer.isStale(v));
          if (!stale) continue;
          const plain = openTokens(sealer, row);
          const secrets = sealSecrets(sealer, row.userId, row.provider, plain);
          if (await adapter.replaceSecrets(row.userId, row.provider, row.version, secrets, now())) updated++;
        }
        const last = rows.at(-1);
        if (last === undefined || rows.length < batchSize) return { scanned, updated };
        cursor = { userId: last.userId, provider: last.provider };
      }
    },
  };
  return store;
}
