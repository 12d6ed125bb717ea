import { parseInput } from "@atom/errors";
import { createSealer } from "./encryption.js";
import { OAuthStateExpiredError, OAuthStateInvalidError, OAuthStateMismatchError, OAuthStateUsedError } from "./errors.js";
import { guardAdapter } from "./guard.js";
import { memoryAdapter } from "./memory.js";
import { refreshAcrossProcesses } from "./refresh.js";
import {
  batchSchema,
  consumeArgsSchema,
  createStateSchema,
  deleteArgsSchema,
  isExpiredSchema,
  purgeSchema,
  refreshedSchema,
  saveTokensSchema,
  storeOptionsSchema,
  userArgsSchema,
  userProviderArgsSchema,
  validAccessTokenArgsSchema,
} from "./schemas.js";
import { secretView } from "./secret-view.js";
import { hashState, newPkcePair, newStateValue, sameHash } from "./state-values.js";
import type { ConsumedState, GetValidAccessTokenOptions, OAuthStore, OAuthStoreOptions, OAuthTokens } from "./store-types.js";
import { expiresWithin, openTokens, resolveExpiry, sealSecrets, toConnection } from "./token-codec.js";
import type { TokenCursor, TokenWrite } from "./types.js";

const ctx = (fn: string) => `[@atom/oauth-store] ${fn}`;
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
 * @throws {ValidationError} when the options are invalid (an encryption key that is not 32 bytes, ...)
 */
export function createOAuthStore(options: OAuthStoreOptions = {}): OAuthStore {
  const settings = parseInput(
    storeOptionsSchema,
    { stateTtl: options.stateTtl, refreshLockTtl: options.refreshLockTtl, refreshWait: options.refreshWait, redact: options.redact },
    ctx("createOAuthStore"),
  );
  const given = options.adapter ?? memoryAdapter();
  const adapter = guardAdapter(given, settings.redact);
  const sealer = createSealer(options.encryption);
  const now = options.clock ?? (() => new Date());
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
      const { state: value, options: expected } = parseInput(consumeArgsSchema, { state, options: opts }, ctx("consumeState"));
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
      const args = parseInput(userProviderArgsSchema, { userId, provider }, ctx("getTokens"));
      const row = await adapter.getTokens(args.userId, args.provider);
      return row === null ? null : openTokens(sealer, row);
    },

    async revokeTokens(userId, provider) {
      const args = parseInput(userProviderArgsSchema, { userId, provider }, ctx("revokeTokens"));
      return adapter.setTokenStatus(args.userId, args.provider, "revoked", null, now());
    },

    async deleteTokens(userId, provider) {
      const args = parseInput(deleteArgsSchema, { userId, provider }, ctx("deleteTokens"));
      return adapter.deleteTokens(args.userId, args.provider ?? null);
    },

    async listByUser(userId) {
      const args = parseInput(userArgsSchema, { userId }, ctx("listByUser"));
      const rows = await adapter.listTokensByUser(args.userId);
      return rows.map((row) => openTokens(sealer, row));
    },

    async listConnections(userId) {
      const args = parseInput(userArgsSchema, { userId }, ctx("listConnections"));
      return (await adapter.listConnections(args.userId)).map(toConnection);
    },

    isExpired(token, opts) {
      const parsed = parseInput(isExpiredSchema, { token: { expiresAt: token?.expiresAt }, options: opts }, ctx("isExpired"));
      return expiresWithin(parsed.token.expiresAt, now(), parsed.options.skewSeconds);
    },

    async getValidAccessToken(userId, provider, opts) {
      const args = parseInput(
        validAccessTokenArgsSchema,
        { userId, provider, options: opts === undefined ? undefined : { refresh: opts.refresh, skewSeconds: opts.skewSeconds } },
        ctx("getValidAccessToken"),
      );
      const { skewSeconds } = args.options;
      const key = JSON.stringify([args.userId, args.provider]);
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
        args.userId,
        args.provider,
        args.options.refresh as GetValidAccessTokenOptions["refresh"],
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
