import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { OAuthRefreshFailedError, OAuthTokensNotFoundError } from "./errors.js";
import { scrubError } from "./redaction.js";
import type { OAuthTokens, RefreshedTokens } from "./store-types.js";
import type { OAuthStoreAdapter, RefreshLease, TokenRecord, TokenWrite } from "./types.js";

/** What the refresh coordinator needs from the store. @internal */
export interface RefreshContext {
  adapter: OAuthStoreAdapter;
  now: () => Date;
  open: (row: TokenRecord) => OAuthTokens;
  /** Validates the provider's answer and seals it into a write (throws `VALIDATION_ERROR`). */
  prepare: (current: OAuthTokens, refreshed: unknown) => TokenWrite;
  isFresh: (tokens: OAuthTokens) => boolean;
  /** Values to cut out of provider errors besides the row's own tokens (the client secret). */
  redact: readonly string[];
  lockTtlMs: number;
  intervalMs: number;
  timeoutMs: number;
}

type Refresh = (refreshToken: string, current: OAuthTokens) => Promise<RefreshedTokens>;

/** How a refresh under the lock ended: saved, or superseded by a write that came first (`failure` when ours failed). */
type Outcome = { tokens: OAuthTokens } | { superseded: true; failure?: Error };

/** Provider calls one `getValidAccessToken` makes at most when concurrent saves keep superseding its result. */
const MAX_ATTEMPTS = 3;

/**
 * Refreshes once across processes: takes the adapter's lock (compare-and-set), or waits for the holder and reads
 * its result. A waiter that sees the holder fail throws instead of calling the provider again. The write that
 * ends a refresh is conditional on the lease (lock owner and row version), so a revoke, a delete, a save or a
 * takeover that came first wins, and this call then answers from the row as it now is.
 * @internal
 */
export async function refreshAcrossProcesses(ctx: RefreshContext, userId: string, provider: string, refresh: Refresh): Promise<OAuthTokens> {
  const owner = randomUUID();
  let seenVersion: number | undefined;
  let attempts = 0;
  let lostFailure: Error | undefined;
  for (let waited = 0; waited <= ctx.timeoutMs; ) {
    const row = await ctx.adapter.getTokens(userId, provider);
    if (row === null || row.status === "revoked") throw new OAuthTokensNotFoundError({ provider });
    const current = ctx.open(row);
    if (row.status === "active" && ctx.isFresh(current)) return current;
    if (lostFailure !== undefined || attempts >= MAX_ATTEMPTS) {
      throw new OAuthRefreshFailedError({ provider }, lostFailure === undefined ? {} : { cause: lostFailure });
    }
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
    if (locked !== null) {
      attempts++;
      const outcome = await refreshHoldingLock(ctx, current, { owner, version: locked.version }, refresh);
      if ("tokens" in outcome) return outcome.tokens;
      lostFailure = outcome.failure;
      seenVersion = undefined;
      continue;
    }
    await delay(ctx.intervalMs);
    waited += ctx.intervalMs;
  }
  throw new OAuthRefreshFailedError({ provider }, { message: `[@atom/oauth-store] timed out waiting for another process to refresh provider "${provider}"` });
}

async function refreshHoldingLock(ctx: RefreshContext, current: OAuthTokens, lease: RefreshLease, refresh: Refresh): Promise<Outcome> {
  const { userId, provider, refreshToken } = current;
  const release = () => ctx.adapter.releaseRefreshLock(userId, provider, lease.owner);
  if (refreshToken === null) {
    await release();
    throw new OAuthRefreshFailedError({ provider }, { message: `[@atom/oauth-store] no refresh token stored for provider "${provider}"` });
  }
  let refreshed: unknown;
  try {
    refreshed = await refresh(refreshToken, current);
  } catch (error) {
    // The provider's error is where a token or the client secret shows up (an echoed request, a form body, an
    // Authorization header): only a scrubbed copy goes on.
    const cause = scrubError(error, [refreshToken, current.accessToken, ...ctx.redact]);
    const recorded = await ctx.adapter.markRefreshFailed(userId, provider, lease, `${cause.name}: ${cause.message}`.slice(0, 500), ctx.now());
    if (recorded) throw new OAuthRefreshFailedError({ provider }, { cause });
    await release();
    return { superseded: true, failure: cause };
  }
  let saved: TokenRecord | null;
  try {
    saved = await ctx.adapter.saveRefreshedTokens(ctx.prepare(current, refreshed), lease);
  } catch (error) {
    await release();
    throw error;
  }
  if (saved !== null) return { tokens: ctx.open(saved) };
  // The write that came first may have left our lock in place (only the version moved): without this release the
  // next attempt of this very call would wait on its own lock until it timed out.
  await release();
  return { superseded: true };
}
