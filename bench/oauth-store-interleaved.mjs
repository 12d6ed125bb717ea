// @atom/oauth-store against the same SQL issued by hand, in interleaved rounds (a real PostgreSQL: DATABASE_URL). vitest bench runs one task after another, and on a shared machine the task right after
// the raw baseline regularly measured 1.6× while the encrypted store, doing strictly more work, measured 1.15×: a
// position effect, not the store. Rotating the contenders every round and taking the median of the per-round
// ratios removes it. Run by `pnpm bench` after the vitest benchmarks.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { createOAuthStore } from "@atom/oauth-store";
import { migrate, postgresAdapter } from "@atom/oauth-store/postgres";
import pg from "pg";
import { median, sampleInterleaved } from "./interleave.mjs";

const ROUNDS = 40;
const PER_ROUND = 100;
const WARMUP = 300;
const KEYS = 100;

/** A throwaway schema on the real server: what @atom/test-db does, in plain JS (this script is not compiled). */
async function database(url) {
  const schema = `bench_${randomBytes(6).toString("hex")}`;
  const client = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
  await client.query(`CREATE SCHEMA ${schema}`);
  return {
    kind: "postgres",
    client,
    close: async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

if (!process.env.DATABASE_URL) {
  console.log("\n@atom/oauth-store interleaved: skipped, set DATABASE_URL to a real PostgreSQL (the vitest bench covers PGlite)");
  process.exit(0);
}
const db = await database(process.env.DATABASE_URL);
await migrate(db.client);
const raw = db.client;
const adapter = postgresAdapter({ pool: db.client });
const store = createOAuthStore({ adapter });
const key = Buffer.alloc(32, 1);
const sealed = createOAuthStore({ adapter: postgresAdapter({ pool: db.client }), encryption: { keys: { v1: key }, current: "v1" } });

const TOKEN_COLUMNS =
  "user_id, provider, access_token, refresh_token, token_type, scopes, expires_at, raw, status, last_error, version, created_at, updated_at";
const STATE_COLUMNS = "state, user_id, provider, scopes, redirect_uri, code_verifier, metadata, created_at, expires_at, used_at";
let n = 0;

const tokens = {
  "raw SQL: INSERT ... ON CONFLICT + SELECT": async () => {
    const userId = `raw-${n++ % KEYS}`;
    const now = new Date();
    await raw.query(
      `INSERT INTO oauth_tokens AS t (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, 'active', NULL, 1, $9, $9)
       ON CONFLICT (user_id, provider) DO UPDATE SET access_token = EXCLUDED.access_token,
         refresh_token = COALESCE(EXCLUDED.refresh_token, t.refresh_token), token_type = EXCLUDED.token_type,
         scopes = EXCLUDED.scopes, expires_at = EXCLUDED.expires_at, raw = EXCLUDED.raw, status = 'active',
         last_error = NULL, version = t.version + 1, updated_at = EXCLUDED.updated_at, lock_owner = NULL, locked_until = NULL
       RETURNING ${TOKEN_COLUMNS}`,
      [userId, "github", "gho_access", "ghr_refresh", "Bearer", '["repo"]', new Date(now.getTime() + 3_600_000), null, now],
    );
    await raw.query(`SELECT ${TOKEN_COLUMNS} FROM oauth_tokens WHERE user_id = $1 AND provider = $2`, [userId, "github"]);
  },
  "postgresAdapter alone (no store)": async () => {
    const userId = `adapter-${n++ % KEYS}`;
    const now = new Date();
    await adapter.upsertTokens({ userId, provider: "github", accessToken: "gho_access", refreshToken: "ghr_refresh", tokenType: "Bearer", scopes: ["repo"], expiresAt: new Date(now.getTime() + 3_600_000), raw: null, now });
    await adapter.getTokens(userId, "github");
  },
  "@atom/oauth-store": async () => {
    const userId = `plain-${n++ % KEYS}`;
    await store.saveTokens({ userId, provider: "github", accessToken: "gho_access", refreshToken: "ghr_refresh", expiresIn: 3600, scopes: "repo" });
    await store.getTokens(userId, "github");
  },
  "@atom/oauth-store with AES-256-GCM": async () => {
    const userId = `sealed-${n++ % KEYS}`;
    await sealed.saveTokens({ userId, provider: "github", accessToken: "gho_access", refreshToken: "ghr_refresh", expiresIn: 3600, scopes: "repo" });
    await sealed.getTokens(userId, "github");
  },
};

const states = {
  "raw SQL: INSERT + UPDATE ... RETURNING": async () => {
    const state = createHash("sha256").update(randomBytes(32)).digest("base64url");
    const now = new Date();
    await raw.query(
      `INSERT INTO oauth_states (${STATE_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9, $10)`,
      [state, "bench-user", "github", '["repo"]', null, randomBytes(32).toString("base64url"), null, now, new Date(now.getTime() + 600_000), null],
    );
    await raw.query(`UPDATE oauth_states SET used_at = $2 WHERE state = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ${STATE_COLUMNS}`, [state, now]);
  },
  "@atom/oauth-store": async () => {
    const { state } = await store.createState({ userId: "bench-user", provider: "github", scopes: ["repo"], pkce: true });
    await store.consumeState(state, { provider: "github", userId: "bench-user" });
  },
  "@atom/oauth-store with AES-256-GCM": async () => {
    const { state } = await sealed.createState({ userId: "bench-user", provider: "github", scopes: ["repo"], pkce: true });
    await sealed.consumeState(state, { provider: "github", userId: "bench-user" });
  },
};

// What AES-256-GCM costs by itself for one save + get: seal and open the access and the refresh token, with AAD.
const aad = Buffer.from(JSON.stringify(["@atom/oauth-store", "u", "github", "access_token"]));
function aesRoundTrip() {
  for (const value of ["gho_access", "ghr_refresh"]) {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aad);
    const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    const decipher = createDecipheriv("aes-256-gcm", key, iv).setAAD(aad);
    decipher.setAuthTag(cipher.getAuthTag());
    Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  }
}

async function interleave(title, contenders) {
  const names = Object.keys(contenders);
  const samples = await sampleInterleaved(contenders, { rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP });
  const baseline = samples[names[0]];
  console.log(`\n${title} (${db.kind}), ${ROUNDS} interleaved rounds of ${PER_ROUND} (median µs per round trip; ratio = median of per-round ratios)`);
  for (const name of names) {
    const ratio = median(samples[name].map((us, round) => us / baseline[round]));
    console.log(`  ${name.padEnd(44)} ${median(samples[name]).toFixed(1).padStart(8)} µs  ${ratio.toFixed(2)}× raw`);
  }
  return samples;
}

await interleave("createState + consumeState", states);
const tokenSamples = await interleave("saveTokens + getTokens", tokens);
const names = Object.keys(tokens);
const gcmInStore = median(tokenSamples[names[3]].map((us, round) => us - tokenSamples[names[2]][round]));
for (let i = 0; i < 5_000; i++) aesRoundTrip();
const started = performance.now();
for (let i = 0; i < 20_000; i++) aesRoundTrip();
const gcmAlone = ((performance.now() - started) * 1000) / 20_000;
console.log(`  AES-256-GCM cost: ${gcmInStore.toFixed(1)} µs per save + get in the store (median per-round difference), ${gcmAlone.toFixed(1)} µs for 2 seals + 2 opens alone`);
await db.close();
