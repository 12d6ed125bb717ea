import { describe, expect, it } from "vitest";
import type { EncryptionOptions } from "../encryption.js";
import { expectCode, type KitContext } from "./kit-context.js";

const KEY_1 = Buffer.alloc(32, 1);
const KEY_2 = Buffer.alloc(32, 2);
const V1: EncryptionOptions = { keys: { v1: KEY_1 }, current: "v1" };

/** Deleting tokens, listing connections without secrets, and refusing plaintext rows in an encrypted store. @internal */
export function registerConnectionCases(k: KitContext): void {
  const { provider } = k;

  describe("connections", () => {
    it("deletes one provider's tokens, or every provider's tokens of a user, and no one else's", async () => {
      const store = k.store();
      const userId = k.userId();
      const other = k.userId();
      for (const p of ["github", "google", "slack"]) await store.saveTokens({ userId, provider: p, accessToken: `at-${p}` });
      await store.saveTokens({ userId: other, provider: "github", accessToken: "at-other" });
      expect(await store.deleteTokens(userId, "google")).toBe(1);
      expect(await store.deleteTokens(userId, "google")).toBe(0);
      expect((await store.listByUser(userId)).map((t) => t.provider)).toEqual(["github", "slack"]);
      expect(await store.deleteTokens(userId)).toBe(2);
      expect(await store.listByUser(userId)).toEqual([]);
      expect(await store.getTokens(other, "github")).toMatchObject({ accessToken: "at-other" });
    });

    it("lists connections by provider without reading a secret, even under a key it does not hold", async () => {
      const userId = k.userId();
      const sealed = k.store({ encryption: V1 });
      await sealed.saveTokens({ userId, provider: "slack", accessToken: "at-s", scopes: "chat:write", expiresIn: 60 });
      await sealed.saveTokens({ userId, provider: "github", accessToken: "at-g", refreshToken: "rt-g", raw: { id_token: "idt" } });
      await sealed.revokeTokens(userId, "slack");
      await sealed.saveTokens({ userId: k.userId(), provider: "github", accessToken: "at-x" });
      const otherKey = k.store({ encryption: { keys: { v2: KEY_2 }, current: "v2" } });
      await expectCode(otherKey.getTokens(userId, "github"), "OAUTH_DECRYPTION_FAILED");
      const connections = await otherKey.listConnections(userId);
      const start = k.clock.now();
      expect(connections).toEqual([
        { userId, provider: "github", tokenType: "Bearer", scopes: [], expiresAt: null, status: "active", lastError: null, hasRefreshToken: true, createdAt: start, updatedAt: start },
        { userId, provider: "slack", tokenType: "Bearer", scopes: ["chat:write"], expiresAt: new Date(start.getTime() + 60_000), status: "revoked", lastError: null, hasRefreshToken: false, createdAt: start, updatedAt: start },
      ]);
      expect(await k.store().listConnections(k.userId())).toEqual([]);
    });
  });

  describe("plaintext refusal", () => {
    it("refuses a plaintext token in an encrypted store unless allowPlaintext is on, then reencryptAll migrates it", async () => {
      const userId = k.userId();
      await k.store().saveTokens({ userId, provider, accessToken: "planted-at", refreshToken: "planted-rt" });
      const sealed = k.store({ encryption: V1 });
      const error: unknown = await sealed.getTokens(userId, provider).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "OAUTH_PLAINTEXT_REFUSED",
        status: 500,
        details: { field: "access_token" },
        message: "[@atom/oauth-store] a stored access_token is not encrypted and encryption is on (allowPlaintext is off)",
      });
      expect(JSON.stringify(error)).not.toContain("planted");
      await expectCode(sealed.listByUser(userId), "OAUTH_PLAINTEXT_REFUSED");
      await expectCode(sealed.getValidAccessToken(userId, provider, { refresh: async () => ({ accessToken: "x" }) }), "OAUTH_PLAINTEXT_REFUSED");
      await expectCode(sealed.reencryptAll(), "OAUTH_PLAINTEXT_REFUSED");

      const migrating = k.store({ encryption: { ...V1, allowPlaintext: true } });
      expect(await migrating.getTokens(userId, provider)).toMatchObject({ accessToken: "planted-at" });
      expect(await migrating.reencryptAll()).toMatchObject({ updated: 1 });
      expect(await sealed.getTokens(userId, provider)).toMatchObject({ accessToken: "planted-at", refreshToken: "planted-rt" });
    });

    it("refuses a plaintext PKCE verifier in an encrypted store", async () => {
      const userId = k.userId();
      const { state } = await k.store().createState({ userId, provider, pkce: true });
      await expect(k.store({ encryption: V1 }).consumeState(state, { provider })).rejects.toMatchObject({
        code: "OAUTH_PLAINTEXT_REFUSED",
        details: { field: "code_verifier" },
      });
    });
  });
}
