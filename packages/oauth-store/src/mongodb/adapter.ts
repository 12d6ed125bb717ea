import { DatabaseError, parseInput } from "@atom/errors";
import type { Collection, Db, Filter } from "mongodb";
import { z } from "zod";
import type { ConnectionRecord, OAuthStoreAdapter, StateRecord, TokenRecord, TokenStatus, TokenWrite } from "../types.js";
import { createIndexes } from "./indexes.js";

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
   * Creates the indexes (idempotent), in this order: unique `state`, unique `(userId, provider)`, then a TTL index on
   * the states' `expiresAt` so MongoDB deletes expired states by itself (about once a minute; consume checks expiry
   * anyway). The unique indexes come first, so a server that refuses TTL indexes still gets them.
   * @throws `DATABASE_ERROR` naming the index (`details.index`) that could not be created, the driver error as `cause`.
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
/** Rounds of a save without a refresh token that each lost an insert race before it gives up. */
const MAX_SAVE_ATTEMPTS = 3;
const NO_POST_IMAGE = '[@atom/oauth-store] [mongodb] upsertTokens: the server returned no document for an upsert with returnDocument "after"';

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

/** MongoDB's rules for a collection name: not empty, no `$` and no NUL, not in the reserved `system.` namespace. */
const collectionName = z
  .string()
  .min(1, "must be a non-empty string")
  .max(200, "must be at most 200 characters")
  .regex(/^(?!system\.)[^$\u0000]*$/, "must not contain $ or NUL, nor start with system.");

const optionsSchema = z.strictObject({
  db: z.custom<Db>((v) => typeof v === "object" && v !== null && typeof (v as { collection?: unknown }).collection === "function", "must be a mongodb Db (client.db(name))"),
  collections: z.strictObject({ states: collectionName.optional(), tokens: collectionName.optional() }).optional(),
});

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
 * @throws {ValidationError} when `db` is not a `Db`, a collection name is not valid, or an option is unknown
 */
export function mongodbAdapter(options: MongodbAdapterOptions): MongodbOAuthStoreAdapter {
  const { db, collections } = parseInput(optionsSchema, options, "[@atom/oauth-store] [mongodb] mongodbAdapter");
  const states: Collection<StateDoc> = db.collection<StateDoc>(collections?.states ?? "oauth_states");
  const tokens: Collection<TokenDoc> = db.collection<TokenDoc>(collections?.tokens ?? "oauth_tokens");
  const byKey = (userId: string, provider: string): Filter<TokenDoc> => ({ userId, provider });
  /**
   * The fields a save or a successful refresh sets: new tokens, active, unlocked. A null refresh token is left out,
   * which keeps the stored one: right for a refresh (under its lease) and for a save onto an `active` row only.
   */
  const activeTokens = (w: TokenWrite) => ({
    accessToken: w.accessToken,
    ...(w.refreshToken === null ? {} : { refreshToken: w.refreshToken }),
    tokenType: w.tokenType,
    scopes: w.scopes,
    expiresAt: w.expiresAt,
    raw: w.raw,
    status: "active" as const,
    lastError: null,
    updatedAt: w.now,
    ...unlocked,
  });
  const found = (doc: TokenDoc | null) => (doc === null ? null : toTokens(doc));

  const upsertOnce = async (w: TokenWrite): Promise<TokenRecord> => {
    const doc = await tokens.findOneAndUpdate(
      byKey(w.userId, w.provider),
      { $set: activeTokens(w), $inc: { version: 1 }, $setOnInsert: { createdAt: w.now } },
      { upsert: true, returnDocument: "after" },
    );
    // MongoDB always returns the post-image of an upsert; a server that does not (SecantusDB 0.7.0b3, when a racing
    // upsert turns into an update) applied the write but cannot say what it wrote, so refuse rather than guess.
    if (doc === null) throw new DatabaseError({ message: NO_POST_IMAGE });
    return toTokens(doc);
  };
  const isDuplicateKey = (error: unknown) => (error as { code?: unknown }).code === DUPLICATE_KEY;
  /**
   * A save without a refresh token keeps the stored one only on an `active` row. Each step is one atomic write whose
   * filter carries the status it decided on: update the row while active (keeping it), else update it while not
   * active (dropping it), else insert it. An insert that finds the row created meanwhile (`E11000`) starts over, so
   * the choice is always made on the row as it is when written.
   */
  const saveWithoutRefreshToken = async (w: TokenWrite): Promise<TokenRecord> => {
    for (let attempt = 1; ; attempt++) {
      const kept = await tokens.findOneAndUpdate(
        { ...byKey(w.userId, w.provider), status: "active" },
        { $set: activeTokens(w), $inc: { version: 1 } },
        { returnDocument: "after" },
      );
      if (kept !== null) return toTokens(kept);
      const dropped = await tokens.findOneAndUpdate(
        { ...byKey(w.userId, w.provider), status: { $ne: "active" } },
        { $set: { ...activeTokens(w), refreshToken: null }, $inc: { version: 1 } },
        { returnDocument: "after" },
      );
      if (dropped !== null) return toTokens(dropped);
      const doc: TokenDoc = { ...activeTokens(w), userId: w.userId, provider: w.provider, refreshToken: null, version: 1, createdAt: w.now };
      try {
        await tokens.insertOne(doc);
        return toTokens(doc);
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= MAX_SAVE_ATTEMPTS) throw error;
      }
    }
  };

  return {
    name: "mongodb",
    ensureIndexes: () => createIndexes(states, tokens),
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
      if (write.refreshToken === null) return saveWithoutRefreshToken(write);
      try {
        return await upsertOnce(write);
      } catch (error) {
        // Two first-time upserts of one key race to insert; the loser retries as an update. (MongoDB 4.2+ does this
        // retry itself for an equality filter on a unique index; the fallback serves servers that do not.)
        if (!isDuplicateKey(error)) throw error;
        return upsertOnce(write);
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
            $set: activeTokens(w),
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
      // The same secrets under another key: the version and the lock stay, so a refresh in flight still lands.
      const { matchedCount } = await tokens.updateOne({ userId, provider, version }, { $set: { ...secrets, updatedAt: now } });
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
