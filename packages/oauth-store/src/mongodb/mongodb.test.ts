import { randomUUID } from "node:crypto";
import type { CommandStartedEvent, Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createOAuthStore } from "../index.js";
import { runOAuthStoreConformance } from "../testing/index.js";
import { mongodbAdapter, type MongodbOAuthStoreAdapter } from "./index.js";
import { announce, describeServer, freshDatabase, itWhen, mongodbUrl as url } from "./test-server.js";

const server = url === undefined ? undefined : await describeServer(url);
announce("adapter", server);
const PARALLEL = 100;
const NO_POST_IMAGE = '[@atom/oauth-store] [mongodb] upsertTokens: the server returned no document for an upsert with returnDocument "after"';

const stateRecord = (stateHash: string) => {
  const now = new Date();
  return {
    stateHash,
    userId: "u",
    provider: "github",
    scopes: [],
    redirectUri: null,
    codeVerifier: null,
    metadata: null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + 600_000),
    usedAt: null,
  };
};

describe.skipIf(server === undefined)(server === undefined ? "mongodb adapter: MONGODB_URL not set" : `mongodb adapter on ${server.name}`, () => {
  let db: Db;
  let drop: () => Promise<void>;
  let adapter: MongodbOAuthStoreAdapter;

  beforeAll(async () => {
    // 100 open connections before the kit runs, so its 100 parallel consumes really run side by side on the server.
    let ready = 0;
    ({ db, drop } = await freshDatabase(url as string, { minPoolSize: PARALLEL, maxPoolSize: PARALLEL }, (client) =>
      client.on("connectionReady", () => ready++),
    ));
    adapter = mongodbAdapter({ db });
    await adapter.ensureIndexes();
    await vi.waitFor(() => expect(ready).toBeGreaterThanOrEqual(PARALLEL), { timeout: 20_000, interval: 50 });
  });
  afterAll(async () => {
    await drop();
  });

  runOAuthStoreConformance({
    name: "mongodb",
    create: () => adapter,
    reset: async () => {
      await db.collection("oauth_states").deleteMany({});
      await db.collection("oauth_tokens").deleteMany({});
    },
  });

  describe("ensureIndexes", () => {
    it("creates both unique indexes before the TTL index, and running it again changes nothing", async () => {
      const fresh = await freshDatabase(url as string, { monitorCommands: true });
      try {
        const created: string[] = [];
        fresh.client.on("commandStarted", (event: CommandStartedEvent) => {
          if (event.commandName === "createIndexes") created.push(...(event.command.indexes as { name: string }[]).map((i) => i.name));
        });
        // By name: mongod lists indexes in creation order, SecantusDB by name.
        const byName = <T extends { name?: string }>(list: T[]) => list.sort((a, b) => String(a.name).localeCompare(String(b.name)));
        const indexes = async () => ({
          states: byName(await fresh.db.collection("oauth_states").indexes()),
          tokens: byName(await fresh.db.collection("oauth_tokens").indexes()),
        });
        const fromScratch = mongodbAdapter({ db: fresh.db });
        await fromScratch.ensureIndexes();
        expect(created).toEqual(["oauth_states_state_key", "oauth_tokens_user_provider_key", "oauth_states_expires_at_ttl"]);
        const first = await indexes();
        expect(first.states.map(({ name, key, unique, expireAfterSeconds }) => ({ name, key, unique, expireAfterSeconds }))).toEqual([
          { name: "_id_", key: { _id: 1 }, unique: undefined, expireAfterSeconds: undefined },
          { name: "oauth_states_expires_at_ttl", key: { expiresAt: 1 }, unique: undefined, expireAfterSeconds: 0 },
          { name: "oauth_states_state_key", key: { state: 1 }, unique: true, expireAfterSeconds: undefined },
        ]);
        expect(first.tokens.map(({ name, key, unique }) => ({ name, key, unique }))).toEqual([
          { name: "_id_", key: { _id: 1 }, unique: undefined },
          { name: "oauth_tokens_user_provider_key", key: { userId: 1, provider: 1 }, unique: true },
        ]);
        await fromScratch.ensureIndexes();
        await mongodbAdapter({ db: fresh.db }).ensureIndexes();
        expect(await indexes()).toEqual(first);
      } finally {
        await fresh.drop();
      }
    });

    it("keeps (userId, provider) unique when the server refuses the TTL index, and says which index failed", async () => {
      const fresh = await freshDatabase(url as string);
      try {
        // An index of the TTL index's name without expireAfterSeconds: the server refuses ours, as one without TTL support would.
        await fresh.db.collection("oauth_states").createIndex({ expiresAt: 1 }, { name: "oauth_states_expires_at_ttl" });
        const error: unknown = await mongodbAdapter({ db: fresh.db })
          .ensureIndexes()
          .catch((e: unknown) => e);
        expect(error).toMatchObject({
          name: "DatabaseError",
          code: "DATABASE_ERROR",
          message: '[@atom/oauth-store] [mongodb] ensureIndexes could not create index "oauth_states_expires_at_ttl"',
          details: { index: "oauth_states_expires_at_ttl" },
        });
        const tokens = fresh.db.collection("oauth_tokens");
        await tokens.insertOne({ userId: "u", provider: "p" });
        await expect(tokens.insertOne({ userId: "u", provider: "p" })).rejects.toMatchObject({ code: 11000 });
      } finally {
        await fresh.drop();
      }
    });
  });

  describe("duplicate keys (E11000)", () => {
    it("rejects a second state with the same hash on the server, leaving the first as it was", async () => {
      await adapter.insertState(stateRecord("dup-hash"));
      await expect(adapter.insertState({ ...stateRecord("dup-hash"), userId: "intruder" })).rejects.toMatchObject({ code: 11000 });
      expect(await db.collection("oauth_states").find({ state: "dup-hash" }).toArray()).toEqual([expect.objectContaining({ userId: "u" })]);
      await db.collection("oauth_tokens").insertOne({ userId: "u-dup", provider: "p" });
      await expect(db.collection("oauth_tokens").insertOne({ userId: "u-dup", provider: "p" })).rejects.toMatchObject({ code: 11000 });
    });

    it("surfaces the server's E11000 from the store as DATABASE_ERROR, without the state or verifier", async () => {
      const hash = `fixed-${randomUUID()}`;
      const colliding: MongodbOAuthStoreAdapter = { ...adapter, insertState: (record) => adapter.insertState({ ...record, stateHash: hash }) };
      const store = createOAuthStore({ adapter: colliding });
      await store.createState({ userId: "u", provider: "github", pkce: true });
      let issued: unknown;
      const error: unknown = await store
        .createState({ userId: "u2", provider: "github", pkce: true })
        .then((created) => (issued = created))
        .catch((e: unknown) => e);
      expect(issued).toBeUndefined();
      expect(error).toMatchObject({ code: "DATABASE_ERROR", message: "[@atom/oauth-store] [mongodb] insertState failed", cause: { code: 11000 } });
      const [row] = await db.collection("oauth_states").find({ state: hash }).toArray();
      expect(row).toMatchObject({ userId: "u" });
      expect(JSON.stringify(error)).not.toContain(String(row?.codeVerifier));
    });

    it("keeps exactly one row per (userId, provider) under 100 parallel first saves, each applied once", async () => {
      const userId = `u-race-${randomUUID()}`;
      const results = await parallelFirstSaves(userId);
      const rows = await db.collection("oauth_tokens").find({ userId }).toArray();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ version: 100 });
      // Each returned row is the post-image of its own write: its own access token, and a version no other save got.
      const returned = results.flatMap((r, i) => (r.status === "fulfilled" ? [[i, r.value] as const] : []));
      for (const [i, row] of returned) expect(row.accessToken).toBe(`a${i}`);
      expect(new Set(returned.map(([, row]) => row.version)).size).toBe(returned.length);
      // A save the server applied without returning its post-image is refused by name, never returned as a guess.
      for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "DATABASE_ERROR", message: NO_POST_IMAGE });
    });

    itWhen(
      server?.name.startsWith("SecantusDB") !== true,
      "SecantusDB 0.7.0b3 returns no post-image when a racing upsert turns into an update: probes/differences.mjs, case 1",
      "returns each of 100 parallel first saves with its own post-image",
      async () => {
        const results = await parallelFirstSaves(`u-race-${randomUUID()}`);
        expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      },
    );

    const parallelFirstSaves = (userId: string) =>
      Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          adapter.upsertTokens({ userId, provider: "p", accessToken: `a${i}`, refreshToken: null, tokenType: "Bearer", scopes: [], expiresAt: null, raw: null, now: new Date() }),
        ),
      );
  });
});

describe("mongodb adapter options (no server needed)", () => {
  const fakeDb = { collection: () => ({}) } as unknown as Db;
  const refused = (field: string) => expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field }) });

  it("refuses a missing db, an unknown option and a bad collection name with VALIDATION_ERROR naming it", () => {
    expect(() => mongodbAdapter({} as never)).toThrow(refused("db"));
    expect(() => mongodbAdapter({ db: {} } as never)).toThrow(refused("db"));
    expect(() => mongodbAdapter({ db: fakeDb, collection: { tokens: "t" } } as never)).toThrow(refused("collection"));
    expect(() => mongodbAdapter({ db: fakeDb, collections: { token: "t" } } as never)).toThrow(refused("collections.token"));
    expect(() => mongodbAdapter({ db: fakeDb, collections: { tokens: "a$b" } })).toThrow(refused("collections.tokens"));
    expect(() => mongodbAdapter({ db: fakeDb, collections: { states: "" } })).toThrow(refused("collections.states"));
  });
});
