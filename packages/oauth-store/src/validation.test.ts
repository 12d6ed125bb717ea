import { describe, expect, it } from "vitest";
import { OAUTH_STORE_LIMITS as L, createOAuthStore, type OAuthStore } from "./index.js";

const store: OAuthStore = createOAuthStore();
const refresh = async () => ({ accessToken: "new" });
const INVALID_DATE = new Date("not a date");

/** 9 levels of 10 keys all pointing at the same child: tiny in memory, 10^9 values when walked as JSON. */
function dagBomb(): Record<string, unknown> {
  let node: Record<string, unknown> = {};
  for (let level = 0; level < 9; level++) node = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, node]));
  return node;
}

/** Calls `call`, which must not throw synchronously, and expects a rejection naming `field`. */
async function rejectsField(call: () => Promise<unknown>, field: string): Promise<void> {
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = call();
  }).not.toThrow();
  await expect(promise).rejects.toMatchObject({ code: "VALIDATION_ERROR", status: 400, details: { field } });
}

describe("every method rejects bad input asynchronously and names the argument", () => {
  it.each<[string, () => Promise<unknown>, string]>([
    ["getTokens userId", () => store.getTokens("", "p"), "userId"],
    ["getTokens provider", () => store.getTokens("u", 7 as never), "provider"],
    ["revokeTokens provider", () => store.revokeTokens("u", ""), "provider"],
    ["revokeTokens userId", () => store.revokeTokens(undefined as never, "p"), "userId"],
    ["deleteTokens provider", () => store.deleteTokens("u", ""), "provider"],
    ["listByUser userId", () => store.listByUser(null as never), "userId"],
    ["listConnections userId", () => store.listConnections(""), "userId"],
    ["consumeState state", () => store.consumeState(42 as never, { provider: "p" }), "state"],
    ["consumeState options", () => store.consumeState("s", undefined as never), "options"],
    ["getValidAccessToken userId", () => store.getValidAccessToken("", "p", { refresh }), "userId"],
    ["getValidAccessToken options", () => store.getValidAccessToken("u", "p", undefined as never), "options"],
    ["getValidAccessToken refresh", () => store.getValidAccessToken("u", "p", { refresh: "no" as never }), "options.refresh"],
    ["getValidAccessToken skewSeconds", () => store.getValidAccessToken("u", "p", { refresh, skewSeconds: -1 }), "options.skewSeconds"],
    ["purgeExpired before", () => store.purgeExpired({ before: INVALID_DATE }), "before"],
    ["reencryptAll batchSize", () => store.reencryptAll({ batchSize: 0 }), "batchSize"],
  ])("%s", async (_name, call, field) => {
    await rejectsField(call, field);
  });

  it("isExpired, the one synchronous method, throws a VALIDATION_ERROR for an Invalid Date", () => {
    expect(() => store.isExpired({ expiresAt: INVALID_DATE })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "token.expiresAt" }) }),
    );
    expect(() => store.isExpired({ expiresAt: null }, { skewSeconds: Number.NaN })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: "options.skewSeconds" }) }),
    );
  });
});

describe("strings, dates and JSON are checked, not passed on", () => {
  const save = (extra: Record<string, unknown>) => () => store.saveTokens({ userId: "u", provider: "p", accessToken: "at", ...extra } as never);

  it.each<[string, () => Promise<unknown>, string]>([
    ["an Invalid Date", save({ expiresAt: INVALID_DATE }), "expiresAt"],
    ["both expiresAt and expiresIn", save({ expiresAt: new Date(), expiresIn: 60 }), "expiresIn"],
    ["a NUL in a user id", save({ userId: "u\u0000" }), "userId"],
    ["a lone surrogate in a provider", save({ provider: "p\uD800" }), "provider"],
    ["a user id with surrounding whitespace", save({ userId: " u" }), "userId"],
    ["a NUL in a token", save({ accessToken: "at\u0000" }), "accessToken"],
    ["a non-ASCII token", save({ refreshToken: "rt-é" }), "refreshToken"],
    ["a scope with a space", save({ scopes: ["repo user"] }), "scopes.0"],
    ["a lone surrogate deep in raw", save({ raw: { a: [{ b: "\uDC00" }] } }), "raw.a.0.b"],
    ["a bigint in raw", save({ raw: { n: 1n } }), "raw.n"],
    ["a Date in raw", save({ raw: { at: new Date() } }), "raw.at"],
    ["raw nested too deep", save({ raw: JSON.parse(`${"{\"a\":".repeat(L.jsonDepth + 1)}1${"}".repeat(L.jsonDepth + 1)}`) }), `raw${".a".repeat(L.jsonDepth)}`],
    ["an object graph that shares its children (a DAG bomb)", save({ raw: dagBomb() }), "raw"],
    ["a NUL in metadata", () => store.createState({ userId: "u", provider: "p", metadata: { note: "x\u0000" } }), "metadata.note"],
    ["a redirect URI with a fragment", () => store.createState({ userId: "u", provider: "p", redirectUri: "https://a.example/cb#x" }), "redirectUri"],
  ])("refuses %s", async (_name, call, field) => {
    await rejectsField(call, field);
  });
});

describe("sizes are capped", () => {
  const long = (n: number) => "a".repeat(n);
  it.each<[string, () => Promise<unknown>, string]>([
    ["user id", () => store.getTokens(long(L.id + 1), "p"), "userId"],
    ["access token", () => store.saveTokens({ userId: "u", provider: "p", accessToken: long(L.token + 1) }), "accessToken"],
    ["token type", () => store.saveTokens({ userId: "u", provider: "p", accessToken: "a", tokenType: long(L.tokenType + 1) }), "tokenType"],
    ["scope list", () => store.saveTokens({ userId: "u", provider: "p", accessToken: "a", scopes: Array.from({ length: L.scopes + 1 }, (_, i) => `s${i}`) }), "scopes"],
    ["scope string", () => store.saveTokens({ userId: "u", provider: "p", accessToken: "a", scopes: long(L.scopeString + 1) }), "scopes"],
    ["raw", () => store.saveTokens({ userId: "u", provider: "p", accessToken: "a", raw: { blob: long(L.rawBytes) } }), "raw"],
    ["expiresIn", () => store.saveTokens({ userId: "u", provider: "p", accessToken: "a", expiresIn: L.expiresIn + 1 }), "expiresIn"],
    ["redirect URI", () => store.createState({ userId: "u", provider: "p", redirectUri: `https://a.example/${long(L.url)}` }), "redirectUri"],
    ["metadata", () => store.createState({ userId: "u", provider: "p", metadata: { blob: long(L.metadataBytes) } }), "metadata"],
    ["state", () => store.consumeState(long(L.state + 1), { provider: "p" }), "state"],
  ])("refuses an oversized %s", async (_name, call, field) => {
    await rejectsField(call, field);
  });

  it("accepts input at the caps, and a refused save writes nothing", async () => {
    const s = createOAuthStore();
    await s.saveTokens({ userId: "u", provider: "p", accessToken: long(L.token), scopes: Array.from({ length: L.scopes }, (_, i) => `s${i}`) });
    await expect(s.saveTokens({ userId: "u", provider: "q", accessToken: "a", raw: { n: 1n } })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    expect(await s.getTokens("u", "q")).toBeNull();
    expect((await s.getTokens("u", "p"))?.accessToken).toHaveLength(L.token);
  });

  it("refuses a refresh result that breaks the rules, and leaves the stored tokens as they were", async () => {
    const s = createOAuthStore();
    await s.saveTokens({ userId: "u", provider: "p", accessToken: "old", refreshToken: "r", expiresIn: 0 });
    await expect(s.getValidAccessToken("u", "p", { refresh: async () => ({ accessToken: "new\u0000" }) })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "accessToken" },
    });
    expect(await s.getTokens("u", "p")).toMatchObject({ accessToken: "old", status: "active" });
  });

  it("caps the redact list of the options", () => {
    expect(() => createOAuthStore({ redact: Array.from({ length: L.redact + 1 }, (_, i) => `secret-${i}`) })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "redact" }) }),
    );
  });
});

describe("unknown keys are refused by name, never ignored", () => {
  const known = { userId: "u", provider: "p", accessToken: "at" };
  it.each<[string, () => Promise<unknown>, string]>([
    ["consumeState options.user_id (the user check would be off)", () => store.consumeState("s", { provider: "p", user_id: "victim" } as never), "options.user_id"],
    ["consumeState options.redirectUri", () => store.consumeState("s", { provider: "p", userId: "u", redirectUri: "https://x.example" } as never), "options.redirectUri"],
    ["createState redirect_uri", () => store.createState({ userId: "u", provider: "p", redirect_uri: "https://x.example/cb" } as never), "redirect_uri"],
    ["saveTokens expires_in (the token would never expire)", () => store.saveTokens({ ...known, expires_in: 60 } as never), "expires_in"],
    ["saveTokens an inherited-looking key", () => store.saveTokens(JSON.parse('{"userId":"u","provider":"p","accessToken":"at","__proto__":{"expiresIn":0}}') as never), "__proto__"],
    ["getValidAccessToken options.skew", () => store.getValidAccessToken("u", "p", { refresh, skew: 0 } as never), "options.skew"],
    ["purgeExpired beforeDate", () => store.purgeExpired({ beforeDate: new Date() } as never), "beforeDate"],
    ["reencryptAll batch", () => store.reencryptAll({ batch: 10 } as never), "batch"],
  ])("%s", async (_name, call, field) => {
    await rejectsField(call, field);
    await expect(call()).rejects.toMatchObject({ message: expect.stringContaining(`"${field}" is not a known key`) });
  });

  it("refuses an unknown key in what refresh returns, and keeps the stored tokens", async () => {
    const s = createOAuthStore();
    await s.saveTokens({ userId: "u", provider: "p", accessToken: "old", refreshToken: "r", expiresIn: 0 });
    const answer = { accessToken: "new", expires_in: 3600 } as never;
    await expect(s.getValidAccessToken("u", "p", { refresh: async () => answer })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "expires_in" },
    });
    expect(await s.getTokens("u", "p")).toMatchObject({ accessToken: "old", status: "active" });
  });

  it("refuses an unknown key in isExpired options and in the store options", () => {
    expect(() => store.isExpired({ expiresAt: null }, { skew: 5 } as never)).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "options.skew" }) }),
    );
    for (const [options, field] of [
      [{ stateTTL: 60 }, "stateTTL"],
      [{ refreshWait: { timeout: 5 } }, "refreshWait.timeout"],
      [{ encryption: { keys: { v1: Buffer.alloc(32) }, current: "v1", allowPlainText: true } }, "allowPlainText"],
    ] as const) {
      expect(() => createOAuthStore(options as never)).toThrow(
        expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field }) }),
      );
    }
  });

  it("refuses an adapter or clock of the wrong type", () => {
    expect(() => createOAuthStore({ adapter: "memory" } as never)).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "adapter" }) }),
    );
    expect(() => createOAuthStore({ clock: new Date() } as never)).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "clock" }) }),
    );
  });
});

describe("__proto__ keys in metadata and raw are refused, not dropped", () => {
  const withProto = (json: string) => JSON.parse(json) as Record<string, unknown>;
  it.each<[string, () => Promise<unknown>, string]>([
    ["metadata", () => store.createState({ userId: "u", provider: "p", metadata: withProto('{"__proto__":{"isAdmin":true},"returnTo":"/"}') }), "metadata.__proto__"],
    ["raw", () => store.saveTokens({ userId: "u", provider: "p", accessToken: "a", raw: withProto('{"__proto__":{"scope":"admin"}}') }), "raw.__proto__"],
    ["nested raw", () => store.saveTokens({ userId: "u", provider: "p", accessToken: "a", raw: withProto('{"a":[{"__proto__":1}]}') }), "raw.a.0.__proto__"],
  ])("in %s", async (_name, call, field) => {
    await rejectsField(call, field);
  });
});
