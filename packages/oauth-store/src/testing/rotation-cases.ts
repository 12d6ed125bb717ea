import { describe, expect, it } from "vitest";
import type { EncryptionOptions } from "../encryption.js";
import type { TokenSecrets, TokenWrite } from "../types.js";
import { afterCall, refreshInFlight, type KitContext } from "./kit-context.js";

const LOCK_TTL_MS = 30_000;
const KEY_1 = Buffer.alloc(32, 1);
const KEY_2 = Buffer.alloc(32, 2);
const V1: EncryptionOptions = { keys: { v1: KEY_1 }, current: "v1" };
const V2_AND_V1: EncryptionOptions = { keys: { v2: KEY_2, v1: KEY_1 }, current: "v2" };
/** A process mid-rollout: it can read the new key but still writes with the old one. */
const V1_AND_V2: EncryptionOptions = { keys: { v1: KEY_1, v2: KEY_2 }, current: "v1" };

/**
 * Re-encryption racing the other writes. `replaceSecrets` rewrites the same secrets under another key, so it must
 * never undo a write that came first (it applies only at the version it read) and never defeat a refresh in
 * flight (it keeps the version and the lock, which the refresh's conditional write checks).
 * @internal
 */
export function registerRotationCases(k: KitContext): void {
  const { provider } = k;

  describe("key rotation races", () => {
    it("replaceSecrets applies only at the version it is given, and keeps the version and the refresh lock", async () => {
      const adapter = k.adapter();
      const userId = k.userId();
      const now = k.clock.now();
      const until = new Date(now.getTime() + LOCK_TTL_MS);
      const secrets: TokenSecrets = { accessToken: "at-1b", refreshToken: "rt-1b", raw: null };
      expect(await adapter.replaceSecrets(userId, provider, 1, secrets, now)).toBe(false);

      await k.store().saveTokens({ userId, provider, accessToken: "at-1", refreshToken: "rt-1" });
      const locked = await adapter.acquireRefreshLock(userId, provider, "o1", until, now);
      const version = locked?.version as number;
      expect(await adapter.replaceSecrets(userId, provider, version + 1, secrets, now)).toBe(false);
      expect(await adapter.replaceSecrets(userId, provider, version - 1, secrets, now)).toBe(false);
      expect(await adapter.getTokens(userId, provider)).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1", version });
      expect(await adapter.replaceSecrets(userId, provider, version, secrets, now)).toBe(true);
      expect(await adapter.getTokens(userId, provider)).toMatchObject({ accessToken: "at-1b", refreshToken: "rt-1b", status: "active", version });
      expect(await adapter.acquireRefreshLock(userId, provider, "o2", until, now)).toBeNull();

      const write: TokenWrite = { userId, provider, accessToken: "at-2", refreshToken: "rt-2", tokenType: "Bearer", scopes: [], expiresAt: null, raw: null, now };
      expect(await adapter.saveRefreshedTokens(write, { owner: "o1", version })).toMatchObject({ accessToken: "at-2", version: version + 1 });
      expect(await adapter.replaceSecrets(userId, provider, version, secrets, now)).toBe(false);
      expect(await adapter.getTokens(userId, provider)).toMatchObject({ accessToken: "at-2", refreshToken: "rt-2" });
    });

    it("a reencryptAll during a refresh does not defeat it: the provider's new tokens are saved", async () => {
      const { b, userId, gate, refresh, pending } = await refreshInFlight(k, {
        a: { encryption: V1_AND_V2, refreshWait: { intervalMs: 2, timeoutMs: 1000 } },
        b: { encryption: V2_AND_V1 },
      });
      expect(await b.reencryptAll()).toEqual({ scanned: 1, updated: 1 });
      gate.resolve({ accessToken: "at-2", refreshToken: "rt-2", expiresIn: 3600 });
      expect(await pending).toMatchObject({ status: "fulfilled", value: { accessToken: "at-2", refreshToken: "rt-2" } });
      expect(await b.getTokens(userId, provider)).toMatchObject({ status: "active", accessToken: "at-2", refreshToken: "rt-2" });
      expect(refresh).toHaveBeenCalledTimes(1);
    });

    it("a reencryptAll racing a saveTokens never writes the old tokens back over the new ones", async () => {
      const userId = k.userId();
      const v1 = k.store({ encryption: V1 });
      await v1.saveTokens({ userId, provider, accessToken: "at-old", refreshToken: "rt-old" });
      let raced = false;
      // A new authorization lands between the rotation's read of the row and its write.
      const racing = afterCall(k.adapter(), "listTokens", async () => {
        if (raced) return;
        raced = true;
        await v1.saveTokens({ userId, provider, accessToken: "at-new", refreshToken: "rt-new" });
      });
      const rotated = k.store({ adapter: racing, encryption: V2_AND_V1 });
      expect(await rotated.reencryptAll()).toEqual({ scanned: 1, updated: 0 });
      expect(await rotated.getTokens(userId, provider)).toMatchObject({ accessToken: "at-new", refreshToken: "rt-new" });
    });
  });
}
