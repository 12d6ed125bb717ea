import { randomBytes } from "node:crypto";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOAuthStore } from "../index.js";
import { runOAuthStoreConformance } from "../testing/index.js";
import { mongodbAdapter, type MongodbOAuthStoreAdapter } from "./index.js";

const url = process.env.MONGODB_URL;

describe.skipIf(url === undefined)(url === undefined ? "mongodb adapter: MONGODB_URL not set" : "mongodb adapter", () => {
  let client: MongoClient;
  let db: Db;
  let adapter: MongodbOAuthStoreAdapter;

  beforeAll(async () => {
    client = await MongoClient.connect(url as string);
    db = client.db(`atom_oauth_${randomBytes(4).toString("hex")}`);
    adapter = mongodbAdapter({ db });
    await adapter.ensureIndexes();
  });
  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });

  runOAuthStoreConformance({
    name: "mongodb",
    create: () => adapter,
    reset: async () => {
      await db.collection("oauth_states").deleteMany({});
      await db.collection("oauth_tokens").deleteMany({});
    },
  });

  it("creates the unique and TTL indexes, idempotently", async () => {
    await adapter.ensureIndexes();
    const stateIndexes = await db.collection("oauth_states").indexes();
    const tokenIndexes = await db.collection("oauth_tokens").indexes();
    expect(stateIndexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "oauth_states_state_key", key: { state: 1 }, unique: true }),
        expect.objectContaining({ name: "oauth_states_expires_at_ttl", key: { expiresAt: 1 }, expireAfterSeconds: 0 }),
      ]),
    );
    expect(tokenIndexes).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "oauth_tokens_user_provider_key", key: { userId: 1, provider: 1 }, unique: true })]),
    );
  });

  it("enforces the unique indexes on the server", async () => {
    await db.collection("oauth_states").insertOne({ state: "dup" });
    await expect(db.collection("oauth_states").insertOne({ state: "dup" })).rejects.toMatchObject({ code: 11000 });
    await db.collection("oauth_tokens").insertOne({ userId: "u-dup", provider: "p" });
    await expect(db.collection("oauth_tokens").insertOne({ userId: "u-dup", provider: "p" })).rejects.toMatchObject({ code: 11000 });
  });

  it("keeps one row per (userId, provider) under parallel first saves", async () => {
    const store = createOAuthStore({ adapter });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.saveTokens({ userId: "u-race", provider: "p", accessToken: `a${i}` })));
    expect(await db.collection("oauth_tokens").countDocuments({ userId: "u-race" })).toBe(1);
  });
});
