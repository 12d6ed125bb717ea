import { createHash, randomBytes } from "node:crypto";
import { createOAuthStore } from "@atom/oauth-store";
import { migrate, postgresAdapter } from "@atom/oauth-store/postgres";
import { createTestDatabase } from "@atom/test-db";
import { afterAll, bench, describe } from "vitest";

// Real PostgreSQL when DATABASE_URL is set, PGlite otherwise. The "raw" cases issue the same statements the
// adapter issues, by hand, on the same pool (raw `pg`) or PGlite instance: the limit any store could reach.
const db = await createTestDatabase();
await migrate(db.client);
const raw = db.client as unknown as { query(text: string, params?: unknown[]): Promise<unknown> };
const store = createOAuthStore({ adapter: postgresAdapter({ pool: db.client }) });
const sealed = createOAuthStore({
  adapter: postgresAdapter({ pool: db.client }),
  encryption: { keys: { v1: Buffer.alloc(32, 1) }, current: "v1" },
});
afterAll(() => db.close());

const options = { time: 2000, warmupTime: 300 };
let n = 0;

describe(`createState + consumeState (${db.kind})`, () => {
  bench("raw SQL: INSERT + UPDATE ... RETURNING", async () => {
    const state = createHash("sha256").update(randomBytes(32)).digest("base64url");
    const now = new Date();
    await raw.query(
      "INSERT INTO oauth_states (state, user_id, provider, scopes, redirect_uri, code_verifier, metadata, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9, $10)",
      [state, "bench-user", "github", '["repo"]', null, randomBytes(32).toString("base64url"), null, now, new Date(now.getTime() + 600_000), null],
    );
    await raw.query(
      "UPDATE oauth_states SET used_at = $2 WHERE state = $1 AND used_at IS NULL AND expires_at > $2 RETURNING state, user_id, provider, scopes, redirect_uri, code_verifier, metadata, created_at, expires_at, used_at",
      [state, now],
    );
  }, options);

  bench("@atom/oauth-store", async () => {
    const { state } = await store.createState({ userId: "bench-user", provider: "github", scopes: ["repo"], pkce: true });
    await store.consumeState(state, { provider: "github", userId: "bench-user" });
  }, options);

  bench("@atom/oauth-store with AES-256-GCM", async () => {
    const { state } = await sealed.createState({ userId: "bench-user", provider: "github", scopes: ["repo"], pkce: true });
    await sealed.consumeState(state, { provider: "github", userId: "bench-user" });
  }, options);
});

const TOKEN_COLUMNS =
  "user_id, provider, access_token, refresh_token, token_type, scopes, expires_at, raw, status, last_error, version, created_at, updated_at";

describe(`saveTokens + getTokens (${db.kind})`, () => {
  bench("raw SQL: INSERT ... ON CONFLICT + SELECT", async () => {
    const userId = `bench-raw-${n++ % 100}`;
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
  }, options);

  bench("@atom/oauth-store", async () => {
    const userId = `bench-${n++ % 100}`;
    await store.saveTokens({ userId, provider: "github", accessToken: "gho_access", refreshToken: "ghr_refresh", expiresIn: 3600, scopes: "repo" });
    await store.getTokens(userId, "github");
  }, options);

  bench("@atom/oauth-store with AES-256-GCM", async () => {
    const userId = `bench-enc-${n++ % 100}`;
    await sealed.saveTokens({ userId, provider: "github", accessToken: "gho_access", refreshToken: "ghr_refresh", expiresIn: 3600, scopes: "repo" });
    await sealed.getTokens(userId, "github");
  }, options);
});
