import { afterAll, beforeAll, describe, expect, vi } from "vitest";
import { createOAuthStore } from "../index.js";
import { mongodbAdapter, type MongodbOAuthStoreAdapter } from "./index.js";
import { announce, describeServer, freshDatabase, itWhen, mongodbUrl as url } from "./test-server.js";

// MongoDB's TTL monitor wakes every 60 s (SecantusDB's sweeper too); one pass more is the bound.
const TTL_WAIT_MS = 90_000;

/** Whether the server accepts a TTL index at all (FerretDB v1, for one, answers NotImplemented). */
async function acceptsTtlIndexes(serverUrl: string): Promise<boolean> {
  const probe = await freshDatabase(serverUrl);
  try {
    return await probe.db.collection("ttl_probe").createIndex({ at: 1 }, { expireAfterSeconds: 0 }).then(
      () => true,
      () => false,
    );
  } finally {
    await probe.drop();
  }
}

const server = url === undefined ? undefined : await describeServer(url);
announce("TTL", server);
const ttl = url === undefined ? undefined : await acceptsTtlIndexes(url);

describe.skipIf(server === undefined)(server === undefined ? "mongodb TTL index: MONGODB_URL not set" : `mongodb TTL index on ${server.name}`, () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let adapter: MongodbOAuthStoreAdapter;

  beforeAll(async () => {
    fresh = await freshDatabase(url as string);
    adapter = mongodbAdapter({ db: fresh.db });
    await adapter.ensureIndexes();
  });
  afterAll(async () => {
    await fresh.drop();
  });

  itWhen(
    ttl !== false,
    "the server refuses TTL indexes; purgeExpired is then the only cleanup",
    `[slow: waits up to ${TTL_WAIT_MS / 1000} s for the server's TTL monitor] deletes an expired state by itself and keeps a live one`,
    async () => {
      const anHourAgo = () => new Date(Date.now() - 3_600_000);
      const expired = await createOAuthStore({ adapter, clock: anHourAgo }).createState({ userId: "u", provider: "github" });
      const store = createOAuthStore({ adapter });
      const live = await store.createState({ userId: "u", provider: "github" });
      const states = fresh.db.collection("oauth_states");
      expect(await states.countDocuments({})).toBe(2);

      await vi.waitFor(async () => expect(await states.countDocuments({ expiresAt: { $lte: new Date() } })).toBe(0), {
        timeout: TTL_WAIT_MS,
        interval: 500,
      });

      // Deleted, not merely expired: the store can no longer tell it was ever issued.
      await expect(store.consumeState(expired.state, { provider: "github" })).rejects.toMatchObject({ code: "OAUTH_STATE_INVALID" });
      await expect(store.consumeState(live.state, { provider: "github", userId: "u" })).resolves.toMatchObject({ userId: "u" });
    },
    TTL_WAIT_MS + 30_000,
  );
});
