import { describe, expect, it, vi } from "vitest";
import type { TokenWrite } from "../types.js";
import { expectCode, refreshInFlight, type KitContext } from "./kit-context.js";

const LOCK_TTL_MS = 30_000;

/**
 * The refresh races every adapter must settle the same way: a revoke, a delete or a save wins over a refresh in
 * flight, and a refresher whose lock expired and was taken over writes nothing, neither its tokens nor its failure.
 * @internal
 */
export function registerRaceCases(k: KitContext): void {
  const { provider } = k;

  describe("refresh races", () => {
    it("a revoke during a refresh wins: the refreshed tokens are not written back", async () => {
      const { b, userId, gate, refresh, pending } = await refreshInFlight(k);
      expect(await b.revokeTokens(userId, provider)).toBe(true);
      gate.resolve({ accessToken: "at-2", refreshToken: "rt-2", expiresIn: 3600 });
      expect(await pending).toMatchObject({ status: "rejected", reason: { code: "OAUTH_TOKENS_NOT_FOUND" } });
      expect(await b.getTokens(userId, provider)).toMatchObject({ status: "revoked", accessToken: "at-1", refreshToken: "rt-1" });
      await expectCode(b.getValidAccessToken(userId, provider, { refresh }), "OAUTH_TOKENS_NOT_FOUND");
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    it("a revoke during a failing refresh wins: the row stays revoked, not refresh_failed", async () => {
      const { b, userId, gate, pending } = await refreshInFlight(k);
      await b.revokeTokens(userId, provider);
      gate.reject(new Error("invalid_grant"));
      expect(await pending).toMatchObject({ status: "rejected", reason: { code: "OAUTH_TOKENS_NOT_FOUND" } });
      expect(await b.getTokens(userId, provider)).toMatchObject({ status: "revoked", lastError: null });
    });

    it("a delete during a refresh wins: the row is not recreated", async () => {
      const { b, userId, gate, pending } = await refreshInFlight(k);
      expect(await b.deleteTokens(userId, provider)).toBe(1);
      gate.resolve({ accessToken: "at-2", refreshToken: "rt-2", expiresIn: 3600 });
      expect(await pending).toMatchObject({ status: "rejected", reason: { code: "OAUTH_TOKENS_NOT_FOUND" } });
      expect(await b.getTokens(userId, provider)).toBeNull();
    });

    it("a saveTokens during a refresh wins: the refreshed tokens are not written back", async () => {
      const { b, userId, gate, refresh, pending } = await refreshInFlight(k);
      await b.saveTokens({ userId, provider, accessToken: "at-new", refreshToken: "rt-new", expiresIn: 3600 });
      gate.resolve({ accessToken: "at-2", refreshToken: "rt-2", expiresIn: 3600 });
      expect(await pending).toMatchObject({ status: "fulfilled", value: { accessToken: "at-new", refreshToken: "rt-new" } });
      expect(await b.getTokens(userId, provider)).toMatchObject({ status: "active", accessToken: "at-new", refreshToken: "rt-new" });
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    it("a saveTokens during a failing refresh wins: the new tokens stay active, not refresh_failed", async () => {
      const { b, userId, gate, refresh, pending } = await refreshInFlight(k);
      await b.saveTokens({ userId, provider, accessToken: "at-new", refreshToken: "rt-new", expiresIn: 3600 });
      gate.reject(new Error("invalid_grant"));
      expect(await pending).toMatchObject({ status: "fulfilled", value: { accessToken: "at-new" } });
      expect(await b.getTokens(userId, provider)).toMatchObject({ status: "active", accessToken: "at-new", refreshToken: "rt-new", lastError: null });
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    it("a refresher whose lock expired cannot overwrite the tokens of the one that took over", async () => {
      const { b, userId, gate, pending } = await refreshInFlight(k);
      k.clock.advance(LOCK_TTL_MS);
      const takeover = vi.fn(async () => ({ accessToken: "at-b", refreshToken: "rt-b", expiresIn: 3600 }));
      await expect(b.getValidAccessToken(userId, provider, { refresh: takeover })).resolves.toMatchObject({ accessToken: "at-b" });
      gate.resolve({ accessToken: "at-late", refreshToken: "rt-late", expiresIn: 3600 });
      expect(await pending).toMatchObject({ status: "fulfilled", value: { accessToken: "at-b", refreshToken: "rt-b" } });
      expect(await b.getTokens(userId, provider)).toMatchObject({ status: "active", accessToken: "at-b", refreshToken: "rt-b" });
      expect(takeover).toHaveBeenCalledTimes(1);
    });

    it("a refresher whose lock expired cannot mark the fresh tokens of the one that took over refresh_failed", async () => {
      const { b, userId, gate, pending } = await refreshInFlight(k);
      k.clock.advance(LOCK_TTL_MS);
      const takeover = vi.fn(async () => ({ accessToken: "at-b", refreshToken: "rt-b", expiresIn: 3600 }));
      await b.getValidAccessToken(userId, provider, { refresh: takeover });
      gate.reject(new Error("invalid_grant: refresh token already rotated"));
      expect(await pending).toMatchObject({ status: "fulfilled", value: { accessToken: "at-b" } });
      expect(await b.getTokens(userId, provider)).toMatchObject({ status: "active", accessToken: "at-b", lastError: null });
    });

    it("writes that end a refresh (saveRefreshedTokens, markRefreshFailed) hold only while the lease does", async () => {
      const adapter = k.adapter();
      const userId = k.userId();
      const now = k.clock.now();
      const write: TokenWrite = { userId, provider, accessToken: "at-2", refreshToken: null, tokenType: "Bearer", scopes: ["a"], expiresAt: null, raw: null, now };
      expect(await adapter.saveRefreshedTokens(write, { owner: "o1", version: 1 })).toBeNull();
      expect(await adapter.getTokens(userId, provider)).toBeNull();

      await k.store().saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1" });
      const locked = await adapter.acquireRefreshLock(userId, provider, "o1", new Date(now.getTime() + LOCK_TTL_MS), now);
      const version = locked?.version as number;
      expect(await adapter.saveRefreshedTokens(write, { owner: "o2", version })).toBeNull();
      expect(await adapter.saveRefreshedTokens(write, { owner: "o1", version: version + 1 })).toBeNull();
      expect(await adapter.markRefreshFailed(userId, provider, { owner: "o2", version }, "x", now)).toBe(false);
      const saved = await adapter.saveRefreshedTokens(write, { owner: "o1", version });
      expect(saved).toMatchObject({ accessToken: "at-2", refreshToken: "rt-1", scopes: ["a"], status: "active", version: version + 1 });
      expect(await adapter.markRefreshFailed(userId, provider, { owner: "o1", version: version + 1 }, "x", now)).toBe(false);

      const relocked = await adapter.acquireRefreshLock(userId, provider, "o3", new Date(now.getTime() + LOCK_TTL_MS), now);
      expect(relocked).not.toBeNull();
      expect(await adapter.setTokenStatus(userId, provider, "revoked", null, now)).toBe(true);
      expect(await adapter.markRefreshFailed(userId, provider, { owner: "o3", version: relocked?.version as number }, "x", now)).toBe(false);
      expect(await adapter.getTokens(userId, provider)).toMatchObject({ status: "revoked", accessToken: "at-2" });
    });
  });
}
