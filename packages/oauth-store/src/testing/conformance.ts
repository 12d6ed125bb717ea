import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { STATE_ERROR_MESSAGE } from "../errors.js";
import type { EncryptionOptions } from "../encryption.js";
import { pkceChallenge } from "../state-values.js";
import { createOAuthStore } from "../store.js";
import type { OAuthStore, OAuthStoreOptions, RefreshedTokens } from "../store-types.js";
import type { OAuthStoreAdapter } from "../types.js";
import { createTestClock, type TestClock } from "./clock.js";
import { registerConnectionCases } from "./connection-cases.js";
import { deferred, expectCode, type KitContext } from "./kit-context.js";
import { registerRaceCases } from "./race-cases.js";
import { registerRotationCases } from "./rotation-cases.js";

/** Options of {@link runOAuthStoreConformance}. */
export interface OAuthStoreConformanceOptions {
  /** Names the suite. @default the adapter's `name` */
  name?: string;
  /** Returns the adapter under test; called before each test, after `reset`. */
  create: () => OAuthStoreAdapter | Promise<OAuthStoreAdapter>;
  /** Empties the storage before each test. Omit when `create` returns a fresh, empty adapter. */
  reset?: () => void | Promise<void>;
  /** The clock handed to every store the kit makes. @default createTestClock() */
  clock?: TestClock;
}

const KEY_1 = Buffer.alloc(32, 1);
const KEY_2 = Buffer.alloc(32, 2);
const V1: EncryptionOptions = { keys: { v1: KEY_1 }, current: "v1" };
const V2_AND_V1: EncryptionOptions = { keys: { v2: KEY_2, v1: KEY_1 }, current: "v2" };
const START = new Date("2030-01-01T00:00:00Z");

/** Wraps an adapter to count calls of one method, keeping `this` for class-based adapters. */
function counting(adapter: OAuthStoreAdapter, method: keyof OAuthStoreAdapter): { adapter: OAuthStoreAdapter; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(adapter, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop !== method) return value.bind(target);
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { adapter: proxy, calls: () => calls };
}

/**
 * Registers the vitest suite every {@link OAuthStoreAdapter} must pass: state round trips, expiry on an injected
 * clock, wrong provider or user, 100 parallel consumes with exactly one winner, purge, token upsert and
 * refresh-token retention (never across a revoke or a failed refresh), revocation, deletion, connection listing
 * without secrets, encryption round trip, tamper detection, plaintext refusal and key rotation, single-flight refresh
 * across two stores sharing the adapter, the refresh races (a revoke, delete or save during a refresh wins, and a
 * refresher whose lock expired writes nothing) and the rotation races (a re-encryption never undoes a save and never
 * defeats a refresh).
 * Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * import { runOAuthStoreConformance } from "@atom/oauth-store/testing";
 * import { myAdapter } from "./my-adapter.js";
 *
 * runOAuthStoreConformance({ create: () => myAdapter(db), reset: () => db.truncateAll() });
 * ```
 */
export function runOAuthStoreConformance(options: OAuthStoreConformanceOptions): void {
  const clock = options.clock ?? createTestClock(START);
  let adapter: OAuthStoreAdapter;
  let userId: string;
  const provider = "github";
  const makeStore = (extra: Partial<OAuthStoreOptions> = {}): OAuthStore =>
    createOAuthStore({ adapter, clock: clock.now, refreshWait: { intervalMs: 2 }, ...extra });

  const kit: KitContext = {
    adapter: () => adapter,
    store: makeStore,
    userId: () => `${userId}-${randomUUID().slice(0, 8)}`,
    clock,
    provider,
  };

  describe(`OAuthStoreAdapter conformance${options.name === undefined ? "" : `: ${options.name}`}`, () => {
    beforeEach(async () => {
      await options.reset?.();
      adapter = await options.create();
      clock.set(START);
      userId = `user-${randomUUID()}`;
    });

    describe("states", () => {
      it("issues 256-bit base64url states that expire after the TTL", async () => {
        const created = await makeStore().createState({ userId, provider, scopes: ["repo"] });
        expect(created.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(created.expiresAt).toEqual(new Date(START.getTime() + 600_000));
        expect(created.codeChallenge).toBeUndefined();
      });

      it("returns the stored record once, with the PKCE verifier matching the challenge", async () => {
        const store = makeStore();
        const created = await store.createState({
          userId,
          provider,
          scopes: ["repo", "user"],
          redirectUri: "https://app.example/callback",
          pkce: true,
          metadata: { returnTo: "/settings" },
        });
        expect(created.codeChallengeMethod).toBe("S256");
        const consumed = await store.consumeState(created.state, { provider, userId });
        expect(consumed).toEqual({
          userId,
          provider,
          scopes: ["repo", "user"],
          redirectUri: "https://app.example/callback",
          codeVerifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          metadata: { returnTo: "/settings" },
          createdAt: START,
          expiresAt: created.expiresAt,
        });
        expect(pkceChallenge(consumed.codeVerifier as string)).toBe(created.codeChallenge);
        await expectCode(store.consumeState(created.state, { provider, userId }), "OAUTH_STATE_USED", STATE_ERROR_MESSAGE);
      });

      it("rejects an unknown state as OAUTH_STATE_INVALID with the generic message", async () => {
        await expectCode(makeStore().consumeState("never-issued", { provider }), "OAUTH_STATE_INVALID", STATE_ERROR_MESSAGE);
      });

      it("accepts a state until just before its expiry and rejects it from then on", async () => {
        const store = makeStore();
        const early = await store.createState({ userId, provider });
        const late = await store.createState({ userId, provider });
        clock.advance(600_000 - 1);
        await expect(store.consumeState(early.state, { provider })).resolves.toMatchObject({ userId });
        clock.advance(1);
        await expectCode(store.consumeState(late.state, { provider }), "OAUTH_STATE_EXPIRED", STATE_ERROR_MESSAGE);
      });

      it("rejects another provider or user as OAUTH_STATE_MISMATCH and burns the state", async () => {
        const store = makeStore();
        const a = await store.createState({ userId, provider });
        await expectCode(store.consumeState(a.state, { provider: "google" }), "OAUTH_STATE_MISMATCH", STATE_ERROR_MESSAGE);
        await expectCode(store.consumeState(a.state, { provider }), "OAUTH_STATE_USED");
        const b = await store.createState({ userId, provider });
        await expectCode(store.consumeState(b.state, { provider, userId: "someone-else" }), "OAUTH_STATE_MISMATCH");
      });

      it("keeps several pending states per user (one per tab)", async () => {
        const store = makeStore();
        const tabs = await Promise.all([1, 2, 3].map(() => store.createState({ userId, provider })));
        expect(new Set(tabs.map((t) => t.state)).size).toBe(3);
        for (const tab of tabs.reverse()) await expect(store.consumeState(tab.state, { provider, userId })).resolves.toMatchObject({ userId });
      });

      it("lets exactly one of 100 parallel consumes win", async () => {
        const store = makeStore();
        const { state } = await store.createState({ userId, provider, pkce: true });
        const results = await Promise.allSettled(Array.from({ length: 100 }, () => store.consumeState(state, { provider, userId })));
        const winners = results.filter((r) => r.status === "fulfilled");
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(winners).toHaveLength(1);
        expect(new Set(losers.map((r) => (r.reason as { code: string }).code))).toEqual(new Set(["OAUTH_STATE_USED"]));
      });

      it("purges expired states in batches and keeps live ones", async () => {
        const store = makeStore();
        const old = await Promise.all([1, 2, 3].map(() => store.createState({ userId, provider })));
        await store.consumeState(old[0]!.state, { provider });
        clock.advance(600_000);
        const live = await store.createState({ userId, provider });
        expect(await store.purgeExpired({ limit: 2 })).toBe(3);
        expect(await store.purgeExpired()).toBe(0);
        await expectCode(store.consumeState(old[1]!.state, { provider }), "OAUTH_STATE_INVALID");
        await expect(store.consumeState(live.state, { provider })).resolves.toMatchObject({ userId });
        clock.advance(600_000);
        expect(await store.purgeExpired({ before: new Date(clock.now().getTime() - 1) })).toBe(0);
        expect(await store.purgeExpired({ before: clock.now() })).toBe(1);
      });
    });

    describe("tokens", () => {
      it("round-trips tokens, scopes, expiry and the raw response", async () => {
        const saved = await makeStore().saveTokens({
          userId,
          provider,
          accessToken: "at-1",
          refreshToken: "rt-1",
          expiresIn: 3600,
          scopes: "repo user",
          raw: { id_token: "idt", extra: 1 },
        });
        expect(saved).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1", tokenType: "Bearer", scopes: ["repo", "user"], status: "active", lastError: null });
        expect(saved.expiresAt).toEqual(new Date(START.getTime() + 3_600_000));
        expect(await makeStore().getTokens(userId, provider)).toEqual(saved);
        expect(await makeStore().getTokens(userId, "google")).toBeNull();
      });

      it("upserts by (userId, provider) and keeps the refresh token when none is given", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1", expiresIn: 60 });
        clock.advance(1000);
        const second = await store.saveTokens({ userId, provider, accessToken: "at-2", expiresIn: 60 });
        expect(second).toMatchObject({ accessToken: "at-2", refreshToken: "rt-1", createdAt: START, updatedAt: clock.now() });
        const third = await store.saveTokens({ userId, provider, accessToken: "at-3", refreshToken: "rt-2" });
        expect(third).toMatchObject({ accessToken: "at-3", refreshToken: "rt-2", expiresAt: null });
        expect(await store.listByUser(userId)).toHaveLength(1);
      });

      it("lists a user's tokens by provider, and no one else's", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider: "slack", accessToken: "s" });
        await store.saveTokens({ userId, provider: "github", accessToken: "g" });
        await store.saveTokens({ userId: `${userId}-other`, provider: "github", accessToken: "x" });
        expect((await store.listByUser(userId)).map((t) => [t.provider, t.accessToken])).toEqual([["github", "g"], ["slack", "s"]]);
      });

      it("revokes tokens, and a new save reactivates them without the revoked refresh token", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1" });
        expect(await store.revokeTokens(userId, provider)).toBe(true);
        expect(await store.revokeTokens(userId, "google")).toBe(false);
        expect(await store.getTokens(userId, provider)).toMatchObject({ status: "revoked" });
        const refresh = vi.fn();
        await expectCode(store.getValidAccessToken(userId, provider, { refresh }), "OAUTH_TOKENS_NOT_FOUND");
        await store.saveTokens({ userId, provider, accessToken: "at-2", expiresIn: 0 });
        expect(await store.getTokens(userId, provider)).toMatchObject({ status: "active", accessToken: "at-2", refreshToken: null });
        expect((await store.listConnections(userId))[0]).toMatchObject({ hasRefreshToken: false });
        await expectCode(store.getValidAccessToken(userId, provider, { refresh }), "OAUTH_REFRESH_FAILED", '[@atom/oauth-store] no refresh token stored for provider "github"');
        expect(refresh).not.toHaveBeenCalled();
      });

      it("does not carry the refresh token of a failed refresh into a new save without one", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-dead", expiresIn: 0 });
        await expectCode(store.getValidAccessToken(userId, provider, { refresh: async () => Promise.reject(new Error("invalid_grant")) }), "OAUTH_REFRESH_FAILED");
        expect(await store.getTokens(userId, provider)).toMatchObject({ status: "refresh_failed", refreshToken: "rt-dead" });
        await store.saveTokens({ userId, provider, accessToken: "at-2" });
        expect(await store.getTokens(userId, provider)).toMatchObject({ status: "active", accessToken: "at-2", refreshToken: null, lastError: null });
      });

      it("tells expiry with a skew", async () => {
        const store = makeStore();
        const token = await store.saveTokens({ userId, provider, accessToken: "at", expiresIn: 120 });
        expect(store.isExpired(token)).toBe(false);
        expect(store.isExpired(token, { skewSeconds: 120 })).toBe(true);
        clock.advance(61_000);
        expect(store.isExpired(token)).toBe(true);
        expect(store.isExpired({ expiresAt: null })).toBe(false);
      });
    });

    describe("encryption", () => {
      it("stores sealed values and reads them back", async () => {
        const store = makeStore({ encryption: V1 });
        await store.saveTokens({ userId, provider, accessToken: "secret-at", refreshToken: "secret-rt", raw: { access_token: "secret-at" } });
        const row = await adapter.getTokens(userId, provider);
        for (const value of [row?.accessToken, row?.refreshToken, row?.raw]) {
          expect(value).toMatch(/^enc:v1:/);
          expect(value).not.toContain("secret");
        }
        expect(await store.getTokens(userId, provider)).toMatchObject({ accessToken: "secret-at", refreshToken: "secret-rt", raw: { access_token: "secret-at" } });
        const { state } = await store.createState({ userId, provider, pkce: true });
        await expect(store.consumeState(state, { provider })).resolves.toMatchObject({ codeVerifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      });

      it("refuses a ciphertext moved to another row or altered", async () => {
        const store = makeStore({ encryption: V1 });
        await store.saveTokens({ userId, provider, accessToken: "secret-a" });
        const row = await adapter.getTokens(userId, provider);
        const victim = `${userId}-victim`;
        await adapter.upsertTokens({ ...row!, userId: victim, now: clock.now() });
        await expectCode(store.getTokens(victim, provider), "OAUTH_DECRYPTION_FAILED", '[@atom/oauth-store] a stored secret could not be decrypted (key id "v1")');
        const flipped = row!.accessToken.slice(0, -2) + (row!.accessToken.endsWith("AA") ? "BB" : "AA");
        await adapter.upsertTokens({ ...row!, accessToken: flipped, now: clock.now() });
        await expectCode(store.getTokens(userId, provider), "OAUTH_DECRYPTION_FAILED");
      });

      it("rotates keys: old rows stay readable, reencryptAll moves them to the current key", async () => {
        const plain = makeStore();
        await plain.saveTokens({ userId, provider: "p0", accessToken: "at-p0", refreshToken: "rt-p0" });
        const v1 = makeStore({ encryption: V1 });
        for (const p of ["p1", "p2", "p3", "p4"]) await v1.saveTokens({ userId, provider: p, accessToken: `at-${p}`, raw: { p } });
        const v2 = makeStore({ encryption: { ...V2_AND_V1, allowPlaintext: true } });
        expect((await v2.getTokens(userId, "p1"))?.accessToken).toBe("at-p1");
        expect((await v2.getTokens(userId, "p0"))?.refreshToken).toBe("rt-p0");
        expect(await v2.reencryptAll({ batchSize: 2 })).toEqual({ scanned: 5, updated: 5 });
        expect(await v2.reencryptAll()).toEqual({ scanned: 5, updated: 0 });
        expect((await adapter.getTokens(userId, "p0"))?.refreshToken).toMatch(/^enc:v2:/);
        const onlyV2 = makeStore({ encryption: { keys: { v2: KEY_2 }, current: "v2" } });
        expect((await onlyV2.listByUser(userId)).map((t) => t.accessToken)).toEqual(["at-p0", "at-p1", "at-p2", "at-p3", "at-p4"]);
        await expectCode(v1.getTokens(userId, "p1"), "OAUTH_DECRYPTION_FAILED", '[@atom/oauth-store] a stored secret could not be decrypted (key id "v2")');
      });
    });

    describe("refresh", () => {
      it("returns fresh tokens without refreshing", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1", expiresIn: 3600 });
        const refresh = vi.fn();
        await expect(store.getValidAccessToken(userId, provider, { refresh })).resolves.toMatchObject({ accessToken: "at-1" });
        expect(refresh).not.toHaveBeenCalled();
      });

      it("refreshes once for concurrent callers in one store, keeping the refresh token", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1", expiresIn: 30 });
        const refresh = vi.fn(async (refreshToken: string) => ({ accessToken: `new-for-${refreshToken}`, expiresIn: 3600 }));
        const results = await Promise.all(Array.from({ length: 20 }, () => store.getValidAccessToken(userId, provider, { refresh })));
        expect(refresh).toHaveBeenCalledTimes(1);
        expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(["new-for-rt-1"]));
        expect(await store.getTokens(userId, provider)).toMatchObject({ refreshToken: "rt-1", expiresAt: new Date(START.getTime() + 3_600_000) });
      });

      it("refreshes once across two stores sharing the adapter; the waiter reads the winner's token", async () => {
        const { adapter: counted, calls: lockAttempts } = counting(adapter, "acquireRefreshLock");
        const a = makeStore({ adapter: counted });
        const b = makeStore({ adapter: counted });
        await a.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1", expiresIn: 30 });
        const gate = deferred<RefreshedTokens>();
        const refresh = vi.fn(() => gate.promise);
        const first = a.getValidAccessToken(userId, provider, { refresh });
        await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1));
        const second = b.getValidAccessToken(userId, provider, { refresh });
        await vi.waitFor(() => expect(lockAttempts()).toBeGreaterThanOrEqual(2));
        gate.resolve({ accessToken: "at-2", refreshToken: "rt-2", expiresIn: 3600 });
        const results = await Promise.all([first, second]);
        expect(results.map((r) => [r.accessToken, r.refreshToken])).toEqual([["at-2", "rt-2"], ["at-2", "rt-2"]]);
        expect(refresh).toHaveBeenCalledTimes(1);
      });

      it("lets exactly one of many parallel lock attempts win, and a lock past its end be taken over", async () => {
        await makeStore().saveTokens({ userId, provider, accessToken: "at" });
        const until = new Date(START.getTime() + 30_000);
        const attempts = await Promise.all(
          Array.from({ length: 50 }, (_, i) => adapter.acquireRefreshLock(userId, provider, `owner-${i}`, until, START)),
        );
        expect(attempts.filter((row) => row !== null)).toHaveLength(1);
        expect(await adapter.acquireRefreshLock(userId, provider, "late", until, new Date(until.getTime() - 1))).toBeNull();
        expect(await adapter.acquireRefreshLock(userId, provider, "late", new Date(until.getTime() + 30_000), until)).not.toBeNull();
      });

      it("takes over the lock of a crashed process once it ends", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1", expiresIn: 30 });
        await adapter.acquireRefreshLock(userId, provider, "crashed", new Date(START.getTime() + 30_000), START);
        clock.advance(30_000);
        const refresh = vi.fn(async () => ({ accessToken: "at-2", expiresIn: 3600 }));
        await expect(store.getValidAccessToken(userId, provider, { refresh })).resolves.toMatchObject({ accessToken: "at-2" });
      });

      it("marks a failed refresh, keeps the reason without the token, and throws OAUTH_REFRESH_FAILED", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-secret", expiresIn: 0 });
        const refresh = vi.fn(async (token: string) => {
          throw new Error(`invalid_grant for ${token}`);
        });
        const error: unknown = await store.getValidAccessToken(userId, provider, { refresh }).catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: "OAUTH_REFRESH_FAILED",
          status: 502,
          message: '[@atom/oauth-store] refreshing the access token of provider "github" failed',
          details: { provider },
        });
        expect(JSON.stringify(error)).not.toContain("rt-secret");
        expect(await store.getTokens(userId, provider)).toMatchObject({ status: "refresh_failed", lastError: "Error: invalid_grant for [redacted]" });
      });

      it("fails without calling the provider when there is no refresh token, or no tokens", async () => {
        const store = makeStore();
        await store.saveTokens({ userId, provider, accessToken: "at-1", expiresIn: 0 });
        const refresh = vi.fn();
        await expectCode(store.getValidAccessToken(userId, provider, { refresh }), "OAUTH_REFRESH_FAILED", '[@atom/oauth-store] no refresh token stored for provider "github"');
        await expectCode(store.getValidAccessToken(userId, "google", { refresh }), "OAUTH_TOKENS_NOT_FOUND", '[@atom/oauth-store] no active tokens for provider "google"');
        expect(refresh).not.toHaveBeenCalled();
      });
    });

    registerRaceCases(kit);
    registerRotationCases(kit);
    registerConnectionCases(kit);
  });
}
