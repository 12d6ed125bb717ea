import { describe, expect, it } from "vitest";
import { createSealer } from "./encryption.js";
import { createOAuthStore, memoryAdapter, type OAuthStoreAdapter } from "./index.js";

const KEY = Buffer.alloc(32, 9);
const OTHER = Buffer.alloc(32, 8);

/** A store under `keys` / `current`, and the memory adapter behind it to plant rows with. */
function sealed(keys: Record<string, Buffer>, current: string, allowPlaintext = false) {
  const adapter = memoryAdapter();
  return { adapter, store: createOAuthStore({ adapter, encryption: { keys, current, allowPlaintext } }) };
}

/** Writes `accessToken` (and `raw`) onto the row of (u, p) as they are, behind the store's back. */
async function plant(adapter: OAuthStoreAdapter, values: { accessToken: string; raw?: string }) {
  await adapter.upsertTokens({
    userId: "u", provider: "p", accessToken: values.accessToken, refreshToken: null, tokenType: "Bearer", scopes: [],
    expiresAt: null, raw: values.raw ?? null, now: new Date(),
  });
}

describe("key ids are own keys of the keys object", () => {
  it.each(["toString", "constructor", "__proto__", "hasOwnProperty", "v1 "])("refuses current %j when it is not one of the keys", (current) => {
    expect(() => createOAuthStore({ encryption: { keys: { v1: KEY }, current } })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "current" }) }),
    );
  });

  it("refuses a key with the id __proto__, which a JSON config can make an own key", () => {
    const keys = JSON.parse(`{"__proto__":"${KEY.toString("base64")}"}`) as Record<string, string>;
    expect(() => createOAuthStore({ encryption: { keys, current: "__proto__" } })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "keys.__proto__" }) }),
    );
  });

  it("uses key ids that are also names on Object.prototype like any other id", async () => {
    const { store } = sealed({ toString: KEY, constructor: OTHER }, "toString");
    await store.saveTokens({ userId: "u", provider: "p", accessToken: "at-secret" });
    await expect(store.getTokens("u", "p")).resolves.toMatchObject({ accessToken: "at-secret" });
    await expect(store.createState({ userId: "u", provider: "p", pkce: true })).resolves.toMatchObject({ codeChallengeMethod: "S256" });
  });

  it("reads a stored key id that names an inherited property as unknown, not as a key", async () => {
    const { adapter, store } = sealed({ v1: KEY }, "v1");
    for (const keyId of ["constructor", "__proto__", "toString"]) {
      await plant(adapter, { accessToken: `enc:${keyId}:${Buffer.alloc(40, 1).toString("base64url")}` });
      await expect(store.getTokens("u", "p")).rejects.toMatchObject({ code: "OAUTH_DECRYPTION_FAILED", details: { keyId } });
    }
  });
});

describe("malformed stored values fail typed, without their text", () => {
  const token = "enc:rt_live_9f8e7d6c5b4a";

  it.each([
    ["a plaintext token that starts with enc:", token],
    ["a key id and no body", "enc:v1:"],
    ["a key id too long to be one", `enc:${"k".repeat(33)}:${Buffer.alloc(40).toString("base64url")}`],
    ["a body that is not base64url", `enc:v1:${"A".repeat(40)}!`],
  ])("%s", async (_name, accessToken) => {
    const { adapter, store } = sealed({ v1: KEY }, "v1", true);
    await plant(adapter, { accessToken });
    const error: unknown = await store.getTokens("u", "p").catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "OAUTH_DECRYPTION_FAILED",
      message: "[@atom/oauth-store] a stored secret could not be decrypted (not a sealed value)",
      details: { keyId: null },
    });
    expect(JSON.stringify(error)).not.toContain(accessToken.slice(4, 12));
  });

  it("reencryptAll refuses a plaintext token that starts with enc: without quoting it", async () => {
    const { adapter, store } = sealed({ v1: KEY }, "v1", true);
    await plant(adapter, { accessToken: token });
    const error: unknown = await store.reencryptAll().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OAUTH_DECRYPTION_FAILED", details: { keyId: null } });
    expect(JSON.stringify(error)).not.toContain("rt_live");
  });

  it("refuses a ciphertext whose authentication tag was cut short", () => {
    // GCM verifies a tag cut to as few as 4 bytes, which a forger guesses in about 2^32 tries: only 16 will do.
    const sealer = createSealer({ keys: { v1: KEY }, current: "v1" });
    const full = sealer.seal("", "u", "p", "access_token");
    expect(sealer.open(full, "u", "p", "access_token")).toBe("");
    const packed = Buffer.from(full.slice("enc:v1:".length), "base64url");
    for (const tagBytes of [4, 8, 12, 15]) {
      const short = `enc:v1:${packed.subarray(0, 12 + tagBytes).toString("base64url")}`;
      expect(() => sealer.open(short, "u", "p", "access_token")).toThrow(expect.objectContaining({ code: "OAUTH_DECRYPTION_FAILED" }));
    }
  });

  it("refuses a stored raw that is not a JSON object with a typed error that does not quote it", async () => {
    const plain = createOAuthStore({ adapter: memoryAdapter() });
    for (const raw of ["ghr_LegacyRefreshSecret&token_type=bearer", '"gho_LegacyAccess_x"', "[1,2]", "null"]) {
      await plant(plain.adapter, { accessToken: "at", raw });
      const error: unknown = await plain.getTokens("u", "p").catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "OAUTH_STORED_VALUE_INVALID",
        status: 500,
        message: "[@atom/oauth-store] a stored raw is not a JSON object",
        details: { field: "raw" },
      });
      expect(JSON.stringify(error)).not.toContain("Legacy");
      expect((error as Error).cause).toBeUndefined();
    }
  });

  it("refuses a non-JSON raw the same way while migrating plaintext rows", async () => {
    const { adapter, store } = sealed({ v1: KEY }, "v1", true);
    await plant(adapter, { accessToken: "at", raw: "ghr_LegacySecret" });
    await expect(store.reencryptAll()).rejects.toMatchObject({ code: "OAUTH_STORED_VALUE_INVALID", details: { field: "raw" } });
  });
});
