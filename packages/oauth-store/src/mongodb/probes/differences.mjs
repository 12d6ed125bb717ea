// Shows, with the raw `mongodb` driver only, where this server answers differently from MongoDB 6/7.
// Usage: MONGODB_URL=mongodb://127.0.0.1:27017/ node packages/oauth-store/src/mongodb/probes/differences.mjs
// Each case prints what MongoDB answers and what this server answered; the adapter is written for MongoDB's answer.
import { MongoClient } from "mongodb";

const client = await MongoClient.connect(process.env.MONGODB_URL ?? "mongodb://127.0.0.1:27017/");
const db = client.db(`probe_differences_${process.pid}`);
const show = (n, what, mongodb, observed) => console.log(`case ${n}: ${what}\n  MongoDB 6/7: ${mongodb}\n  this server: ${observed}`);
const code = (promise) => promise.then(() => "accepted", (e) => `refused, ${e.code} ${e.codeName ?? ""}`.trim());

try {
  const build = await db.admin().command({ buildInfo: 1 });
  console.log(`server: ${build.secantusVersion ? `SecantusDB ${build.secantusVersion}` : "mongod"}, reports MongoDB ${build.version}`);

  // 1. Racing upserts of one new key, each asking for the post-image.
  const tokens = db.collection("tokens");
  await tokens.createIndex({ userId: 1, provider: 1 }, { unique: true });
  let nulls = 0;
  let sample = null;
  for (let round = 0; round < 50 && nulls === 0; round++) {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        tokens.findOneAndUpdate({ userId: `u${round}`, provider: "p" }, { $set: { a: i }, $inc: { version: 1 } }, { upsert: true, returnDocument: "after", includeResultMetadata: true }),
      ),
    );
    const missing = results.filter((r) => r.value === null);
    nulls += missing.length;
    sample ??= missing[0] ?? null;
  }
  show(1, "10 parallel findOneAndUpdate upserts of one new key, returnDocument after (up to 50 rounds)", "every reply carries the post-image (the loser of the insert race is retried as an update)", nulls === 0 ? "every reply carried the post-image" : `${nulls} replies had value null, e.g. lastErrorObject ${JSON.stringify(sample.lastErrorObject)}`);

  // 2. listIndexes order.
  const states = db.collection("states");
  await states.createIndex({ state: 1 }, { name: "z_created_first" });
  await states.createIndex({ expiresAt: 1 }, { name: "a_created_second" });
  show(2, "listIndexes after creating z_created_first then a_created_second", "_id_, z_created_first, a_created_second (creation order)", (await states.indexes()).map((i) => i.name).join(", "));

  // 3. Compound TTL index.
  show(3, "createIndex({ a: 1, expiresAt: 1 }, { expireAfterSeconds: 0 })", "refused, 67 CannotCreateIndex (TTL indexes are single-field)", await code(db.collection("ttl").createIndex({ a: 1, expiresAt: 1 }, { expireAfterSeconds: 0 })));

  // 4. The TTL monitor's period and its counters.
  show(4, "setParameter ttlMonitorSleepSecs: 1", "accepted (the TTL monitor then wakes every second)", await code(db.admin().command({ setParameter: 1, ttlMonitorSleepSecs: 1 })));
  const ttlMetrics = (await db.admin().command({ serverStatus: 1 })).metrics?.ttl;
  show(5, "serverStatus().metrics.ttl", "{ passes, deletedDocuments, ... }", JSON.stringify(ttlMetrics ?? null));
} finally {
  await db.dropDatabase();
  await client.close();
}
