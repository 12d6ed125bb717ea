import { ConflictError } from "@atom/errors";
import type { ConnectionRecord, OAuthStoreAdapter, RefreshLease, StateRecord, TokenRecord } from "./types.js";

interface MemoryTokenRow extends TokenRecord {
  lockOwner: string | null;
  lockedUntil: Date | null;
}

function connection(row: MemoryTokenRow): ConnectionRecord {
  return {
    userId: row.userId,
    provider: row.provider,
    tokenType: row.tokenType,
    scopes: [...row.scopes],
    expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
    status: row.status,
    lastError: row.lastError,
    hasRefreshToken: row.refreshToken !== null,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

const holds = (row: MemoryTokenRow | undefined, lease: RefreshLease): row is MemoryTokenRow =>
  row !== undefined && row.lockOwner === lease.owner && row.version === lease.version;

const tokenKey = (userId: string, provider: string) => JSON.stringify([userId, provider]);

function publicRow(row: MemoryTokenRow): TokenRecord {
  const { lockOwner: _owner, lockedUntil: _until, ...record } = row;
  return structuredClone(record);
}

/**
 * The in-memory adapter: the default, and the reference implementation the conformance kit is proven against.
 * Each operation runs synchronously between awaits, which makes consume and lock atomic within one process.
 * Data lives as long as the adapter object; use it for tests and single-process development only.
 *
 * @example
 * ```ts
 * const store = createOAuthStore({ adapter: memoryAdapter() });
 * ```
 */
export function memoryAdapter(): OAuthStoreAdapter {
  const states = new Map<string, StateRecord>();
  const tokens = new Map<string, MemoryTokenRow>();

  const sorted = () =>
    [...tokens.values()].sort((a, b) =>
      a.userId === b.userId ? (a.provider < b.provider ? -1 : 1) : a.userId < b.userId ? -1 : 1,
    );

  const touch = (row: MemoryTokenRow, now: Date) => {
    row.version++;
    row.updatedAt = now;
    row.lockOwner = null;
    row.lockedUntil = null;
  };

  return {
    name: "memory",
    async insertState(record) {
      if (states.has(record.stateHash)) throw new ConflictError({ message: "[@atom/oauth-store] [memory] duplicate state" });
      states.set(record.stateHash, structuredClone(record));
    },
    async consumeState(stateHash, now) {
      const record = states.get(stateHash);
      if (record === undefined || record.usedAt !== null || record.expiresAt.getTime() <= now.getTime()) return null;
      record.usedAt = now;
      return structuredClone(record);
    },
    async findState(stateHash) {
      const record = states.get(stateHash);
      return record === undefined ? null : structuredClone(record);
    },
    async purgeStates(before, limit) {
      let deleted = 0;
      for (const [hash, record] of states) {
        if (deleted >= limit) break;
        if (record.expiresAt.getTime() <= before.getTime()) {
          states.delete(hash);
          deleted++;
        }
      }
      return deleted;
    },
    async upsertTokens(write) {
      const key = tokenKey(write.userId, write.provider);
      const existing = tokens.get(key);
      const row: MemoryTokenRow = {
        userId: write.userId,
        provider: write.provider,
        accessToken: write.accessToken,
        // A revoked or failed row's refresh token is dead: it must not come back with a new authorization.
        refreshToken: write.refreshToken ?? (existing?.status === "active" ? existing.refreshToken : null),
        tokenType: write.tokenType,
        scopes: [...write.scopes],
        expiresAt: write.expiresAt,
        raw: write.raw,
        status: "active",
        lastError: null,
        version: existing?.version ?? 0,
        createdAt: existing?.createdAt ?? write.now,
        updatedAt: write.now,
        lockOwner: null,
        lockedUntil: null,
      };
      touch(row, write.now);
      tokens.set(key, row);
      return publicRow(row);
    },
    async getTokens(userId, provider) {
      const row = tokens.get(tokenKey(userId, provider));
      return row === undefined ? null : publicRow(row);
    },
    async listTokensByUser(userId) {
      return sorted()
        .filter((row) => row.userId === userId)
        .map(publicRow);
    },
    async listTokens(after, limit) {
      const rows = sorted().filter(
        (row) => after === null || row.userId > after.userId || (row.userId === after.userId && row.provider > after.provider),
      );
      return rows.slice(0, limit).map(publicRow);
    },
    async saveRefreshedTokens(write, lease) {
      const row = tokens.get(tokenKey(write.userId, write.provider));
      if (!holds(row, lease)) return null;
      Object.assign(row, {
        accessToken: write.accessToken,
        refreshToken: write.refreshToken ?? row.refreshToken,
        tokenType: write.tokenType,
        scopes: [...write.scopes],
        expiresAt: write.expiresAt,
        raw: write.raw,
        status: "active",
        lastError: null,
      });
      touch(row, write.now);
      return publicRow(row);
    },
    async markRefreshFailed(userId, provider, lease, lastError, now) {
      const row = tokens.get(tokenKey(userId, provider));
      if (!holds(row, lease)) return false;
      row.status = "refresh_failed";
      row.lastError = lastError;
      touch(row, now);
      return true;
    },
    async deleteTokens(userId, provider) {
      let deleted = 0;
      for (const [key, row] of tokens) {
        if (row.userId === userId && (provider === null || row.provider === provider)) {
          tokens.delete(key);
          deleted++;
        }
      }
      return deleted;
    },
    async listConnections(userId) {
      return sorted()
        .filter((row) => row.userId === userId)
        .map(connection);
    },
    async setTokenStatus(userId, provider, status, lastError, now) {
      const row = tokens.get(tokenKey(userId, provider));
      if (row === undefined) return false;
      row.status = status;
      row.lastError = lastError;
      touch(row, now);
      return true;
    },
    async replaceSecrets(userId, provider, version, secrets, now) {
      const row = tokens.get(tokenKey(userId, provider));
      if (row === undefined || row.version !== version) return false;
      // The same secrets under another key: the version and the lock stay, so a refresh in flight still lands.
      Object.assign(row, secrets);
      row.updatedAt = now;
      return true;
    },
    async acquireRefreshLock(userId, provider, owner, until, now) {
      const row = tokens.get(tokenKey(userId, provider));
      if (row === undefined || (row.lockedUntil !== null && row.lockedUntil.getTime() > now.getTime())) return null;
      row.lockOwner = owner;
      row.lockedUntil = until;
      return publicRow(row);
    },
    async releaseRefreshLock(userId, provider, owner) {
      const row = tokens.get(tokenKey(userId, provider));
      if (row !== undefined && row.lockOwner === owner) {
        row.lockOwner = null;
        row.lockedUntil = null;
      }
    },
  };
}
