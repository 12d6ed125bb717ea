import { parseInput } from "@atom/errors";
import { createSealer } from "./encryption.js";
import { OAuthStateExpiredError, OAuthStateInvalidError, OAuthStateMismatchError, OAuthStateUsedError } from "./errors.js";
import { guardAdapter } from "./guard.js";
import { memoryAdapter } from "./memory.js";
import { refreshAcrossProcesses } from "./refresh.js";
import {
  batchSchema,
  consumeOptionsSchema,
  createStateSchema,
  idSchema,
  purgeSchema,
  refreshedSchema,
  saveTokensSchema,
  skewSchema,
  stateValueSchema,
  storeOptionsSchema,
} from "./schemas.js";
import { hashState, newPkcePair, newStateValue, sameHash } from "./state-values.js";
import type { ConsumedState, OAuthStore, OAuthStoreOptions, OAuthTokens } from "./store-types.js";
import { expiresWithin, openTokens, resolveExpiry, sealSecrets } from "./token-codec.js";
import type { TokenCursor } from "./types.js";

const ctx = (fn: string) => `[@atom/oauth-store] ${fn}`;

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
    { stateTtl: options.stateTtl, refreshLockTtl: options.refreshLockTtl, refreshWait: options.refreshWait },
    ctx("createOAuthStore"),
  );
  const given = options.adapter ?? memoryAdapter();
  const adapter = guardAdapter(given);
  const sealer = createSealer(options.encryption);
  const now = options.clock ?? (() => new Date());
  const inFlight = new Map<string, Promise<OAuthTokens>>();

  const isExpired: OAuthStore["isExpired"] = (token, opts) =>
    expiresWithin(token.expiresAt, now(), parseInput(skewSchema, opts ?? {}, ctx("isExpired")).skewSeconds);

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
      const value = parseInput(stateValueSchema, state, ctx("consumeState state"));
      const expected = parseInput(consumeOptionsSchema, opts, ctx("consumeState"));
      const stateHash = hashState(value);
      const at = now();
      const record = await adapter.consumeState(stateHash, at);
      if (record === null || !sameHash(record.stateHash, stateHash)) {
        const found = await adapter.findState(stateHash);
        if (found === null) throw new OAuthStateInvalidError();
        if (found.usedAt !== null) throw new OAuthStateUsedError();
        throw new OAuthStateExpiredError();
      }
      if (record.provider !== expected.provider || (expected.userId !== undefined && record.userId !== expected.userId)) {
        throw new OAuthStateMismatchError();
      }
      const consumed: ConsumedState = {
        userId: record.userId,
        provider: record.provider,
        scopes: record.scopes,
        redirectUri: record.redirectUri,
        codeVerifier:
          record.codeVerifier === null ? null : sealer.open(record.codeVerifier, record.userId, record.provider, "code_verifier"),
        metadata: record.metadata,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
      };
      return consumed;
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
      const secrets = sealSecrets(sealer, parsed.userId, parsed.provider, {
        accessToken: parsed.accessToken,
        refreshToken: parsed.refreshToken ?? null,
        raw: parsed.raw ?? null,
      });
      const row = await adapter.upsertTokens({
        userId: parsed.userId,
        provider: parsed.provider,
        ...secrets,
        tokenType: parsed.tokenType,
        scopes: parsed.scopes,
        expiresAt: resolveExpiry(parsed, at),
        now: at,
      });
      return openTokens(sealer, row);
    },

    async getTokens(userId, provider) {
      const row = await adapter.getTokens(parseInput(idSchema, userId, ctx("getTokens userId")), parseInput(idSchema, provider, ctx("getTokens provider")));
      return row === null ? null : openTokens(sealer, row);
    },

    revokeTokens(userId, provider) {
      return adapter.setTokenStatus(
        parseInput(idSchema, userId, ctx("revokeTokens userId")),
        parseInput(idSchema, provider, ctx("revokeTokens provider")),
        "revoked",
        null,
        now(),
      );
    },

    async listByUser(userId) {
      const rows = await adapter.listTokensByUser(parseInput(idSchema, userId, ctx("listByUser userId")));
      return rows.map((row) => openTokens(sealer, row));
    },

    isExpired,

    getValidAccessToken(userId, provider, opts) {
      const user = parseInput(idSchema, userId, ctx("getValidAccessToken userId"));
      const prov = parseInput(idSchema, provider, ctx("getValidAccessToken provider"));
      const { skewSeconds } = parseInput(skewSchema, { skewSeconds: opts.skewSeconds }, ctx("getValidAccessToken"));
      const key = JSON.stringify([user, prov]);
      const pending = inFlight.get(key);
      if (pending) return pending;
      const run = refreshAcrossProcesses(
        {
          adapter,
          now,
          open: (row) => openTokens(sealer, row),
          isFresh: (tokens) => !expiresWithin(tokens.expiresAt, now(), skewSeconds),
          save: (current, refreshed) => {
            const next = parseInput(refreshedSchema, refreshed, ctx("getValidAccessToken refresh result"));
            return store.saveTokens({
              userId: current.userId,
              provider: current.provider,
              accessToken: next.accessToken,
              refreshToken: next.refreshToken ?? null,
              ...(next.expiresIn === undefined ? { expiresAt: next.expiresAt ?? null } : { expiresIn: next.expiresIn }),
              scopes: next.scopes ?? current.scopes,
              tokenType: next.tokenType ?? current.tokenType,
              ...(next.raw === undefined ? {} : { raw: next.raw }),
            });
          },
          lockTtlMs: settings.refreshLockTtl * 1000,
          intervalMs: settings.refreshWait.intervalMs,
          timeoutMs: settings.refreshWait.timeoutMs,
        },
        user,
        prov,
        opts.refresh,
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
