import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { OAuthRefreshFailedError, OAuthTokensNotFoundError } from "./errors.js";
import type { OAuthTokens, RefreshedTokens } from "./store-types.js";
import type { OAuthStoreAdapter, TokenRecord } from "./types.js";

/** What the refresh coordinator needs from the store. @internal */
export interface RefreshContext {
  adapter: OAuthStoreAdapter;
  now: () => Date;
  open: (row: TokenRecord) => OAuthTokens;
  save: (current: OAuthTokens, refreshed: RefreshedTokens) => Promise<OAuthTokens>;
  isFresh: (tokens: OAuthTokens) => boolean;
  lockTtlMs: number;
  intervalMs: number;
  timeoutMs: number;
}

/** A failure description safe to store: the refresh token is cut out if the provider echoed it. */
function describeFailure(error: unknown, refreshToken: string): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split(refreshToken).join("[redacted]").slice(0, 500);
}

/**
 * Refreshes once across processes: takes the adapter's lock (compare-and-set), or waits for the holder and reads
 * its result. A waiter that sees the holder fail throws instead of calling the provider again.
 * @internal
 */
export async function refreshAcrossProcesses(
  ctx: RefreshContext,
  userId: string,
  provider: string,
  refresh: (refreshToken: string, current: OAuthTokens) => Promise<RefreshedTokens>,
): Promise<OAuthTokens> {
  const owner = randomUUID();
  let seenVersion: number | undefined;
  for (let waited = 0; waited <= ctx.timeoutMs; ) {
    const row = await ctx.adapter.getTokens(userId, provider);
    if (row === null || row.status === "revoked") throw new OAuthTokensNotFoundError({ provider });
    const current = ctx.open(row);
    if (row.status === "active" && ctx.isFresh(current)) return current;
    if (row.status === "refresh_failed" && seenVersion !== undefined && seenVersion !== row.version) {
      throw new OAuthRefreshFailedError({ provider });
    }
    seenVersion ??= row.version;
    const now = ctx.now();
    const locked = await ctx.adapter.acquireRefreshLock(userId, provider, owner, new Date(now.getTime() + ctx.lockTtlMs), now);
    if (locked !== null && locked.version !== row.version) {
      await ctx.adapter.releaseRefreshLock(userId, provider, owner);
      continue;
    }
    if (locked !== null) return refreshHoldingLock(ctx, current, owner, refresh);
    await delay(ctx.intervalMs);
    waited += ctx.intervalMs;
  }
  throw new OAuthRefreshFailedError({ provider }, { message: `[@atom/oauth-store] timed out waiting for another process to refresh provider "${provider}"` });
}

async function refreshHoldingLock(
  ctx: RefreshContext,
  current: OAuthTokens,
  owner: string,
  refresh: (refreshToken: string, current: OAuthTokens) => Promise<RefreshedTokens>,
): Promise<OAuthTokens> {
  const { userId, provider, refreshToken } = current;
  if (refreshToken === null) {
    await ctx.adapter.releaseRefreshLock(userId, provider, owner);
    throw new OAuthRefreshFailedError({ provider }, { message: `[@atom/oauth-store] no refresh token stored for provider "${provider}"` });
  }
  let refreshed: RefreshedTokens;
  try {
    refreshed = await refresh(refreshToken, current);
  } catch (error) {
    await ctx.adapter.setTokenStatus(userId, provider, "refresh_failed", describeFailure(error, refreshToken), ctx.now());
    throw new OAuthRefreshFailedError({ provider }, { cause: error });
  }
  try {
    return await ctx.save(current, refreshed);
  } catch (error) {
    await ctx.adapter.releaseRefreshLock(userId, provider, owner);
    throw error;
  }
}
