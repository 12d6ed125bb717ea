// Checks, with the raw `mongodb` driver only, the server claims the MongoDB adapter relies on.
// Usage: MONGODB_URL=mongodb://127.0.0.1:27017/ node packages/oauth-store/src/mongodb/probes/claims.mjs
// Prints one line per claim and exits 1 if any does not hold. Takes up to ~90 s (it waits for one TTL pass).
import { MongoClient } from "mongodb";

const client = await MongoClient.connect(process.env.MONGODB_URL ?? "mongodb://127.0.0.1:27017/", { minPoolSize: 100, maxPoolSize: 100 });
const db = client.db(`probe_claims_${process.pid}`);
let failed = 0;
const report = (ok, claim, evidence) => {
  if (!ok) failed++;
  console.log(`${ok ? "holds" : "FAILS"}: ${claim}: ${evidence}`);
};
const code = (promise) => promise.then(() => "accepted", (e) => `${e.code} ${e.codeName ?? ""}`.trim());

try {
  const build = await db.admin().command({ buildInfo: 1 });
  console.log(`server: ${build.secantusVersion ? `SecantusDB ${build.secantusVersion}` : "mongod"}, reports MongoDB ${build.version}`);

  // 1. Conditional findOneAndUpdate is atomic: of 100 parallel consumes of one state, exactly one matches.
  const states = db.collection("states");
  const winners = [];
  for (let round = 0; round < 20; round++) {
    await states.insertOne({ state: `s${round}`, usedAt: null, expiresAt: new Date(Date.now() + 60_000) });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        states.findOneAndUpdate({ state: `s${round}`, usedAt: null, expiresAt: { $gt: new Date() } }, { $set: { usedAt: new Date(), by: i } }, { returnDocument: "after" }),
      ),
    );
    winners.push(results.filter((r) => r !== null).length);
  }
  const connections = (await db.admin().command({ serverStatus: 1 })).connections?.current;
  report(winners.every((n) => n === 1), "100 parallel findOneAndUpdate consumes of one state, 20 rounds", `winners per round ${JSON.stringify(winners)}, ${connections} connections open`);

  // 2. A compare-and-set lock: of 50 parallel takers, exactly one.
  const locks = db.collection("locks");
  await locks.insertOne({ key: "k", lockedUntil: null });
  const taken = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      locks.findOneAndUpdate({ key: "k", $or: [{ lockedUntil: null }, { lockedUntil: { $lte: new Date() } }] }, { $set: { owner: i, lockedUntil: new Date(Date.now() + 30_000) } }),
    ),
  );
  report(taken.filter((r) => r !== null).length === 1, "50 parallel compare-and-set lock takers", `${taken.filter((r) => r !== null).length} took it`);

  // 3. Unique and compound unique indexes answer E11000 (code 11000) with keyPattern/keyValue.
  await states.createIndex({ state: 1 }, { unique: true, name: "state_key" });
  const dup = await states.insertOne({ state: "s0" }).catch((e) => e);
  report(dup.code === 11000, "unique index rejects a duplicate", `code ${dup.code}, keyPattern ${JSON.stringify(dup.keyPattern)}, keyValue ${JSON.stringify(dup.keyValue)}`);
  const tokens = db.collection("tokens");
  await tokens.createIndex({ userId: 1, provider: 1 }, { unique: true, name: "user_provider_key" });
  await tokens.insertMany([{ userId: "u", provider: "a" }, { userId: "u", provider: "b" }]);
  const dup2 = await tokens.insertOne({ userId: "u", provider: "a" }).catch((e) => e);
  report(dup2.code === 11000, "compound unique index rejects a duplicate pair, allows other pairs", `code ${dup2.code}`);
  const dupes = db.collection("dupes");
  await dupes.insertMany([{ k: 1 }, { k: 1 }]);
  const over = await code(dupes.createIndex({ k: 1 }, { unique: true }));
  report(over.startsWith("11000"), "a unique index over existing duplicates is refused", over);
  const same = await code(tokens.createIndex({ userId: 1, provider: 1 }, { unique: true, name: "user_provider_key" }));
  const conflict = await code(tokens.createIndex({ userId: 1, provider: 1 }, { name: "user_provider_key" }));
  report(same === "accepted" && conflict.startsWith("86"), "re-creating an identical index is a no-op, a conflicting one is refused", `identical: ${same}; conflicting: ${conflict}`);

  // 4. TTL indexes: accepted on a date field, and swept by the server.
  const ttl = db.collection("ttl");
  const ttlIndex = await code(ttl.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: "ttl" }));
  report(ttlIndex === "accepted", "a TTL index (expireAfterSeconds: 0) is accepted", ttlIndex);
  await ttl.insertMany([
    { k: "expired", expiresAt: new Date(Date.now() - 1000) },
    { k: "live", expiresAt: new Date(Date.now() + 3_600_000) },
    { k: "not a date", expiresAt: "soon" },
  ]);
  const start = Date.now();
  while (Date.now() - start < 90_000 && (await ttl.countDocuments({ k: "expired" })) > 0) await new Promise((r) => setTimeout(r, 250));
  const left = (await ttl.find({}).toArray()).map((d) => d.k).sort();
  report(JSON.stringify(left) === JSON.stringify(["live", "not a date"]), "the TTL monitor deletes expired documents only", `after ${Date.now() - start} ms, left: ${JSON.stringify(left)}`);
} finally {
  await db.dropDatabase();
  await client.close();
}
process.exitCode = failed === 0 ? 0 : 1;
