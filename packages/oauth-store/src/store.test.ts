import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createOAuthStore, memoryAdapter, pkceChallenge } from "./index.js";
import { createTestClock } from "./testing/index.js";

describe("createOAuthStore input validation", () => {
  const store = createOAuthStore();

  it("names the field of a bad createState input", async () => {
    await expect(store.createState({ userId: "", provider: "github" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "userId" },
    });
    await expect(store.createState({ userId: "u", provider: "github", redirectUri: "not a url" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "redirectUri" },
    });
  });

  it("refuses an empty state and a missing provider before touching the adapter", async () => {
    await expect(store.consumeState("", { provider: "github" })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    await expect(store.consumeState("abc", {} as never)).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "options.provider" },
    });
  });

  it("refuses an encryption key that is not 256 bits, or a current key id that is not listed", () => {
    expect(() => createOAuthStore({ encryption: { keys: { v1: Buffer.alloc(16) }, current: "v1" } })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "keys.v1" }) }),
    );
    expect(() => createOAuthStore({ encryption: { keys: { v1: Buffer.alloc(32) }, current: "v9" } })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "current" }) }),
    );
  });

  it("says what a key must be and how to make one, for a missing, mistyped or wrong-length key", () => {
    const generate = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;
    const requirement =
      "must be 32 bytes (256 bits): a Buffer or Uint8Array, or a base64 or base64url string of 32 bytes " +
      `(44 characters, 43 unpadded); generate one with ${generate}`;
    const prefix = '[@atom/oauth-store] createOAuthStore encryption: "keys.v1"';
    const attempt = (key: unknown) => () =>
      createOAuthStore({ encryption: { keys: { v1: key as string }, current: "v1" } });
    expect(attempt(undefined)).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", message: `${prefix} is missing; a key ${requirement}`, details: expect.objectContaining({ field: "keys.v1" }) }),
    );
    const valid = Buffer.alloc(32, 7).toString("base64");
    const garbled = [`${valid.slice(0, 10)}!!${valid.slice(10)}`, ` ${valid}`, `${valid}\n`, `${valid.slice(0, 42)}Z=`];
    for (const key of [42, "", "c2hvcnQ=", Buffer.alloc(16).toString("hex"), Buffer.alloc(31), ...garbled]) {
      expect(attempt(key)).toThrow(
        expect.objectContaining({ code: "VALIDATION_ERROR", message: `${prefix} ${requirement}`, details: expect.objectContaining({ field: "keys.v1" }) }),
      );
    }
  });

  it("accepts a base64 key string", async () => {
    const keyed = createOAuthStore({ encryption: { keys: { k: Buffer.alloc(32, 7).toString("base64") }, current: "k" } });
    await expect(keyed.saveTokens({ userId: "u", provider: "p", accessToken: "a" })).resolves.toMatchObject({ accessToken: "a" });
  });

  it("accepts 32 random bytes as padded or unpadded base64 and base64url", () => {
    for (let i = 0; i < 50; i++) {
      const bytes = randomBytes(32);
      for (const key of [bytes.toString("base64"), bytes.toString("base64").replace(/=$/, ""), bytes.toString("base64url"), `${bytes.toString("base64url")}=`]) {
        expect(() => createOAuthStore({ encryption: { keys: { k: key }, current: "k" } })).not.toThrow();
      }
    }
  });

  it("refuses a refresh result without an access token and releases the lock", async () => {
    const clock = createTestClock();
    const s = createOAuthStore({ clock: clock.now });
    await s.saveTokens({ userId: "u", provider: "p", accessToken: "a", refreshToken: "r", expiresIn: 0 });
    await expect(s.getValidAccessToken("u", "p", { refresh: async () => ({}) as never })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "accessToken" },
    });
    await expect(
      s.getValidAccessToken("u", "p", { refresh: async () => ({ accessToken: "b", expiresIn: 60 }), skewSeconds: 0 }),
    ).resolves.toMatchObject({ accessToken: "b" });
  });
});

describe("state values", () => {
  it("never hands the raw state or verifier to the adapter", async () => {
    const adapter = memoryAdapter();
    const store = createOAuthStore({ adapter, encryption: { keys: { v1: Buffer.alloc(32, 3) }, current: "v1" } });
    const created = await store.createState({ userId: "u", provider: "p", pkce: true });
    expect(await adapter.findState(created.state)).toBeNull();
    const consumed = await store.consumeState(created.state, { provider: "p" });
    expect(pkceChallenge(consumed.codeVerifier as string)).toBe(created.codeChallenge);
  });

  it("computes the RFC 7636 S256 challenge", () => {
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });
});

describe("waiting for another process", () => {
  it("gives up with OAUTH_REFRESH_FAILED when the holder never finishes", async () => {
    const adapter = memoryAdapter();
    const clock = createTestClock();
    const store = createOAuthStore({ adapter, clock: clock.now, refreshWait: { intervalMs: 1, timeoutMs: 5 } });
    await store.saveTokens({ userId: "u", provider: "p", accessToken: "a", refreshToken: "r", expiresIn: 0 });
    await adapter.acquireRefreshLock("u", "p", "other", new Date(clock.now().getTime() + 30_000), clock.now());
    await expect(store.getValidAccessToken("u", "p", { refresh: async () => ({ accessToken: "b" }) })).rejects.toMatchObject({
      code: "OAUTH_REFRESH_FAILED",
      message: '[@atom/oauth-store] timed out waiting for another process to refresh provider "p"',
    });
  });
});

describe("a refresh whose write was superseded", () => {
  it("releases its lock, so its own next attempt is not refused by it", async () => {
    const clock = createTestClock();
    const base = memoryAdapter();
    let superseded = false;
    // A write that moves the version but leaves the lock, as a custom adapter's replaceSecrets might.
    const adapter = {
      ...base,
      name: "version-moving",
      saveRefreshedTokens: async (write: Parameters<typeof base.saveRefreshedTokens>[0], lease: Parameters<typeof base.saveRefreshedTokens>[1]) => {
        if (!superseded) {
          superseded = true;
          return null;
        }
        return base.saveRefreshedTokens(write, lease);
      },
    };
    const store = createOAuthStore({ adapter, clock: clock.now, refreshWait: { intervalMs: 1, timeoutMs: 200 } });
    await store.saveTokens({ userId: "u", provider: "p", accessToken: "a", refreshToken: "r", expiresIn: 0 });
    const refresh = vi.fn(async () => ({ accessToken: "b", expiresIn: 3600 }));
    await expect(store.getValidAccessToken("u", "p", { refresh })).resolves.toMatchObject({ accessToken: "b" });
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it("releases its lock when its failure was superseded too", async () => {
    const clock = createTestClock();
    const base = memoryAdapter();
    const adapter = { ...base, name: "version-moving", markRefreshFailed: async () => false };
    const store = createOAuthStore({ adapter, clock: clock.now, refreshWait: { intervalMs: 1, timeoutMs: 200 } });
    await store.saveTokens({ userId: "u", provider: "p", accessToken: "a", refreshToken: "r", expiresIn: 0 });
    await expect(store.getValidAccessToken("u", "p", { refresh: async () => Promise.reject(new Error("invalid_grant")) })).rejects.toMatchObject({
      code: "OAUTH_REFRESH_FAILED",
      message: '[@atom/oauth-store] refreshing the access token of provider "p" failed',
    });
    expect(await base.acquireRefreshLock("u", "p", "next", new Date(clock.now().getTime() + 1000), clock.now())).not.toBeNull();
  });
});

describe("adapter failures", () => {
  it("become DATABASE_ERROR naming the adapter and method, with the driver error as cause", async () => {
    const broken = { ...memoryAdapter(), name: "flaky", getTokens: async () => Promise.reject(new Error("connection reset")) };
    const error: unknown = await createOAuthStore({ adapter: broken }).getTokens("u", "p").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DATABASE_ERROR", status: 500, message: "[@atom/oauth-store] [flaky] getTokens failed" });
    expect((error as Error).cause).toEqual(new Error("connection reset"));
  });
});
