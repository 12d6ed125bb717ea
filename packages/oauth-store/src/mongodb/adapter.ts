import type { Collection, Db, Filter } from "mongodb";
import type { ConnectionRecord, OAuthStoreAdapter, StateRecord, TokenRecord, TokenStatus } from "../types.js";

/** Options of {@link mongodbAdapter}. */
export interface MongodbAdapterOptions {
  /** Your `mongodb` `Db` (from `client.db(name)`). */
  db: Db;
  /** Collection names. @default { states: "oauth_states", tokens: "oauth_tokens" } */
  collections?: {
    /** The collection of pending OAuth states. */
    states?: string;
    /** The collection of stored tokens. */
    tokens?: string;
  };
}

/** The MongoDB adapter, plus its index set-up. */
export interface MongodbOAuthStoreAdapter extends OAuthStoreAdapter {
  /**
   * Creates the indexes (idempotent): unique `state`, unique `(userId, provider)`, and a TTL index on the states'
   * `expiresAt` so MongoDB deletes expired states by itself (about once a minute; consume checks expiry anyway).
   */
  ensureIndexes(): Promise<void>;
}

interface StateDoc extends Omit<StateRecord, "stateHash"> {
  state: string;
}

interface TokenDoc extends TokenRecord {
  lockOwner: string | null;
  lockedUntil: Date | null;
}

const DUPLICATE_KEY = 11000;

function toState(doc: StateDoc): StateRecord {
  return {
    stateHash: doc.state,
    userId: doc.userId,
    provider: doc.provider,
    scopes: doc.scopes,
    redirectUri: doc.redirectUri,
    codeVerifier: doc.codeVerifier,
    metadata: doc.metadata,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt,
  };
}

function toTokens(doc: TokenDoc): TokenRecord {
  return {
    userId: doc.userId,
    provider: doc.provider,
    accessToken: doc.accessToken,
    refreshToken: doc.refreshToken ?? null,
    tokenType: doc.tokenType,
    scopes: doc.scopes,
    expiresAt: doc.expiresAt,
    raw: doc.raw,
    status: doc.status,
    lastError: doc.lastError,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function toConnection(doc: TokenDoc): ConnectionRecord {
  return {
    userId: doc.userId,
    provider: doc.provider,
    tokenType: doc.tokenType,
    scopes: doc.scopes,
    expiresAt: doc.expiresAt,
    status: doc.status,
    lastError: doc.lastError,
    hasRefreshToken: doc.refreshToken !== null && doc.refreshToken !== undefined,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

const unlocked = { lockOwner: null, lockedUntil: null };

/**
 * The MongoDB adapter on the official `mongodb` driver. Consume and lock are each one `findOneAndUpdate` whose
 * filter carries every condition (unused, `expiresAt > now`, lock free), so they are atomic on the server.
 * Call `ensureIndexes()` once at start-up.
 *
 * @example
 * ```ts
 * import { MongoClient } from "mongodb";
 * import { createOAuthStore } from "@atom/oauth-store";
 * import { mongodbAdapter } from "@atom/oauth-store/mongodb";
 *
 * const client = await MongoClient.connect(process.env.MONGODB_URL!);
 * const adapter = mongodbAdapter({ db: client.db("app") });
 * await adapter.ensureIndexes();
 * const store = createOAuthStore({ adapter });
 * ```
 */
export function mongodbAdapter(options: MongodbAdapterOptions): MongodbOAuthStoreAdapter {
  const states: Collection<StateDoc> = options.db.collection<StateDoc>(options.collections?.states ?? "oauth_states");
  const tokens: Collection<TokenDoc> = options.db.collection<TokenDoc>(options.collections?.tokens ?? "oauth_tokens");
  const byKey = (userId: string, provider: string): Filter<TokenDoc> => ({ userId, provider });
  const found = (doc: TokenDoc | null) => (doc === null ? null : toTokens(doc));

  const upsertOnce = (w: Parameters<OAuthStoreAdapter["upsertTokens"]>[0]) =>
    tokens.findOneAndUpdate(
      byKey(w.userId, w.provider),
      {
        $set: {
          accessToken: w.accessToken,
          ...(w.refreshToken === null ? {} : { refreshToken: w.refreshToken }),
          tokenType: w.tokenType,
          scopes: w.scopes,
          expiresAt: w.expiresAt,
          raw: w.raw,
          status: "active",
          lastError: null,
          updatedAt: w.now,
          ...unlocked,
        },
        $inc: { version: 1 },
        $setOnInsert: { createdAt: w.now, ...(w.refreshToken === null ? { refreshToken: null } : {}) },
      },
      { upsert: true, returnDocument: "after" },
    );

  return {
    name: "mongodb",
    async ensureIndexes() {
      await states.createIndex({ state: 1 }, { unique: true, name: "oauth_states_state_key" });
      await states.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: "oauth_states_expires_at_ttl" });
      await tokens.createIndex({ userId: 1, provider: 1 }, { unique: true, name: "oauth_tokens_user_provider_key" });
    },
    async insertState(record) {
      const { stateHash, ...rest } = record;
      await states.insertOne({ state: stateHash, ...rest });
    },
    async consumeState(stateHash, now) {
      const doc = await states.findOneAndUpdate(
        { state: stateHash, usedAt: null, expiresAt: { $gt: now } },
        { $set: { usedAt: now } },
        { returnDocument: "after" },
      );
      return doc === null ? null : toState(doc);
    },
    async findState(stateHash) {
      const doc = await states.findOne({ state: stateHash });
      return doc === null ? null : toState(doc);
    },
    async purgeStates(before, limit) {
      const ids = await states.find({ expiresAt: { $lte: before } }, { projection: { _id: 1 } }).limit(limit).toArray();
      if (ids.length === 0) return 0;
      const { deletedCount } = await states.deleteMany({ _id: { $in: ids.map((doc) => doc._id) }, expiresAt: { $lte: before } });
      return deletedCount;
    },
    async upsertTokens(write) {
      try {
        return toTokens((await upsertOnce(write)) as TokenDoc);
      } catch (error) {
        // Two first-time upserts of one key race to insert; the loser retries as an update.
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
        return toTokens((await upsertOnce(write)) as TokenDoc);
      }
    },
    async getTokens(userId, provider) {
      return found(await tokens.findOne(byKey(userId, provider)));
    },
    async listTokensByUser(userId) {
      return (await tokens.find({ userId }).sort({ provider: 1 }).toArray()).map(toTokens);
    },
    async listTokens(after, limit) {
      const filter: Filter<TokenDoc> =
        after === null
          ? {}
          : { $or: [{ userId: { $gt: after.userId } }, { userId: after.userId, provider: { $gt: after.provider } }] };
      return (await tokens.find(filter).sort({ userId: 1, provider: 1 }).limit(limit).toArray()).map(toTokens);
    },
    async saveRefreshedTokens(w, lease) {
      return found(
        await tokens.findOneAndUpdate(
          { userId: w.userId, provider: w.provider, lockOwner: lease.owner, version: lease.version },
          {
            $set: {
              accessToken: w.accessToken,
              ...(w.refreshToken === null ? {} : { refreshToken: w.refreshToken }),
              tokenType: w.tokenType,
              scopes: w.scopes,
              expiresAt: w.expiresAt,
              raw: w.raw,
              status: "active",
              lastError: null,
              updatedAt: w.now,
              ...unlocked,
            },
            $inc: { version: 1 },
          },
          { returnDocument: "after" },
        ),
      );
    },
    async markRefreshFailed(userId, provider, lease, lastError, now) {
      const { matchedCount } = await tokens.updateOne(
        { userId, provider, lockOwner: lease.owner, version: lease.version },
        { $set: { status: "refresh_failed", lastError, updatedAt: now, ...unlocked }, $inc: { version: 1 } },
      );
      return matchedCount > 0;
    },
    async deleteTokens(userId, provider) {
      const { deletedCount } = await tokens.deleteMany(provider === null ? { userId } : byKey(userId, provider));
      return deletedCount;
    },
    async listConnections(userId) {
      const docs = await tokens
        .find({ userId }, { projection: { accessToken: 0, raw: 0 } })
        .sort({ provider: 1 })
        .toArray();
      return docs.map(toConnection);
    },
    async setTokenStatus(userId, provider, status: TokenStatus, lastError, now) {
      const { matchedCount } = await tokens.updateOne(byKey(userId, provider), {
        $set: { status, lastError, updatedAt: now, ...unlocked },
        $inc: { version: 1 },
      });
      return matchedCount > 0;
    },
    async replaceSecrets(userId, provider, version, secrets, now) {
      const { matchedCount } = await tokens.updateOne(
        { userId, provider, version },
        { $set: { ...secrets, updatedAt: now }, $inc: { version: 1 } },
      );
      return matchedCount > 0;
    },
    async acquireRefreshLock(userId, provider, owner, until, now) {
      return found(
        await tokens.findOneAndUpdate(
          { userId, provider, $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] },
          { $set: { lockOwner: owner, lockedUntil: until } },
          { returnDocument: "after" },
        ),
      );
    },
    async releaseRefreshLock(userId, provider, owner) {
      await tokens.updateOne({ userId, provider, lockOwner: owner }, { $set: unlocked });
    },
  };
}
