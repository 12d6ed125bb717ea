import { createSqlExecutor, type SqlExecutor } from "@atom/sql";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createOAuthStore } from "../index.js";
import { createTestClock, runOAuthStoreConformance } from "../testing/index.js";
import { migrate, oauthStoreMigrations, postgresAdapter } from "./index.js";

let db: TestDatabase;
let sql: SqlExecutor;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlExecutor(db.client);
  expect(await migrate(db.client)).toEqual({ applied: [1] });
});
afterAll(() => db.close());

runOAuthStoreConformance({
  name: `postgres (${process.env.DATABASE_URL ? "real server" : "PGlite"})`,
  create: () => postgresAdapter({ pool: db.client }),
  reset: async () => {
    await sql.query("TRUNCATE oauth_states, oauth_tokens");
  },
});

describe("postgres migrations and options", () => {
  it("is idempotent", async () => {
    expect(await migrate(db.client)).toEqual({ applied: [] });
  });

  it("creates prefixed tables in another schema, apart from the default ones", async () => {
    expect(await migrate(db.client, { schema: "oauth_alt", tablePrefix: "app_" })).toEqual({ applied: [1] });
    const store = createOAuthStore({ adapter: postgresAdapter({ pool: db.client, schema: "oauth_alt", tablePrefix: "app_" }) });
    await store.saveTokens({ userId: "u-alt", provider: "p", accessToken: "a" });
    const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM oauth_alt."app_oauth_tokens"');
    expect(rows[0]?.n).toBe(1);
    expect(await postgresAdapter({ pool: db.client }).getTokens("u-alt", "p")).toBeNull();
    await sql.query("DROP SCHEMA oauth_alt CASCADE");
  });

  it("refuses a table prefix or schema that is not a plain identifier", () => {
    expect(() => postgresAdapter({ pool: db.client, tablePrefix: "x; DROP TABLE y" })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "tablePrefix" }) }),
    );
    expect(() => oauthStoreMigrations({ schema: 'a"b' })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "schema" }) }),
    );
  });

  it("refuses a missing pool, a pool without query, unknown keys and missing options with VALIDATION_ERROR", async () => {
    const refused = (field: string) => expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field }) });
    expect(() => postgresAdapter({} as never)).toThrow(refused("pool"));
    expect(() => postgresAdapter({ pool: {} } as never)).toThrow(refused("pool"));
    expect(() => postgresAdapter(undefined as never)).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR" }));
    expect(() => postgresAdapter({ pool: db.client, table_prefix: "x_" } as never)).toThrow(refused("table_prefix"));
    await expect(migrate(undefined as never)).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "pool" } });
    await expect(migrate(db.client, { prefix: "x_" } as never)).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "prefix" } });
    expect(() => oauthStoreMigrations({ tablePrefix: "x_", schemaName: "s" } as never)).toThrow(refused("schemaName"));
  });

  it("consumes a state with one statement", async () => {
    const statements: string[] = [];
    const spy = { query: (text: string, params?: unknown[]) => (statements.push(text), sql.query(text, params)) };
    const store = createOAuthStore({ adapter: postgresAdapter({ pool: spy }) });
    const { state } = await store.createState({ userId: "u-one", provider: "p" });
    statements.length = 0;
    await store.consumeState(state, { provider: "p" });
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^UPDATE .* RETURNING /s);
  });

  it("saves and reads tokens with one statement each", async () => {
    const statements: string[] = [];
    const spy = { query: (text: string, params?: unknown[]) => (statements.push(text), sql.query(text, params)) };
    const store = createOAuthStore({ adapter: postgresAdapter({ pool: spy }) });
    await store.saveTokens({ userId: "u-one-token", provider: "p", accessToken: "a", refreshToken: "r", expiresIn: 60, scopes: "x y" });
    await store.getTokens("u-one-token", "p");
    expect(statements.map((text) => text.trim().split(/\s/)[0])).toEqual(["INSERT", "SELECT"]);
  });

  it("lets a revoke on one pool win over a refresh in flight on another, and an expired holder write nothing", async () => {
    const clock = createTestClock();
    const second = db.newPool() ?? db.client;
    const a = createOAuthStore({ adapter: postgresAdapter({ pool: db.client }), clock: clock.now, refreshWait: { intervalMs: 2 } });
    const b = createOAuthStore({ adapter: postgresAdapter({ pool: second }), clock: clock.now, refreshWait: { intervalMs: 2 } });
    for (const userId of ["u-race-revoke", "u-race-late"]) {
      await a.saveTokens({ userId, provider: "p", accessToken: "old", refreshToken: "r", expiresIn: 0 });
    }
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = vi.fn(async () => {
      await gate;
      return { accessToken: "late", refreshToken: "late-r", expiresIn: 3600 };
    });
    const revoked = Promise.allSettled([a.getValidAccessToken("u-race-revoke", "p", { refresh: slow })]);
    const late = Promise.allSettled([a.getValidAccessToken("u-race-late", "p", { refresh: slow })]);
    await vi.waitFor(() => expect(slow).toHaveBeenCalledTimes(2));
    await b.revokeTokens("u-race-revoke", "p");
    clock.advance(30_000);
    await b.getValidAccessToken("u-race-late", "p", { refresh: async () => ({ accessToken: "winner", expiresIn: 3600 }) });
    release();
    expect(await revoked).toMatchObject([{ status: "rejected", reason: { code: "OAUTH_TOKENS_NOT_FOUND" } }]);
    expect(await late).toMatchObject([{ status: "fulfilled", value: { accessToken: "winner" } }]);
    expect(await b.getTokens("u-race-revoke", "p")).toMatchObject({ status: "revoked", accessToken: "old" });
    expect(await b.getTokens("u-race-late", "p")).toMatchObject({ status: "active", accessToken: "winner", refreshToken: "r" });
  });

  it("joins the caller's transaction and rolls back with it", async () => {
    const run = async (client: { query: (text: string, params?: unknown[]) => Promise<unknown> }) => {
      const store = createOAuthStore({ adapter: postgresAdapter({ pool: client as never }) });
      await store.saveTokens({ userId: "u-tx", provider: "p", accessToken: "a" });
      throw new Error("caller rolls back");
    };
    if ("transaction" in db.client) {
      await expect(db.client.transaction((tx) => run(tx))).rejects.toThrow("caller rolls back");
    } else {
      const client = await db.client.connect();
      await client.query("BEGIN");
      await expect(run(client)).rejects.toThrow("caller rolls back");
      await client.query("ROLLBACK");
      client.release();
    }
    expect(await postgresAdapter({ pool: db.client }).getTokens("u-tx", "p")).toBeNull();
  });

  it("keeps a refresh on one pool that a reencryptAll on another ran during", async () => {
    const clock = createTestClock();
    const second = db.newPool() ?? db.client;
    const v1 = Buffer.alloc(32, 1);
    const v2 = Buffer.alloc(32, 2);
    // Tables of its own: reencryptAll scans every row, and the other tests leave plaintext ones.
    await migrate(db.client, { tablePrefix: "rotate_" });
    const a = createOAuthStore({
      adapter: postgresAdapter({ pool: db.client, tablePrefix: "rotate_" }), clock: clock.now, refreshWait: { intervalMs: 2, timeoutMs: 1000 },
      encryption: { keys: { v1, v2 }, current: "v1" },
    });
    const b = createOAuthStore({ adapter: postgresAdapter({ pool: second, tablePrefix: "rotate_" }), clock: clock.now, encryption: { keys: { v2, v1 }, current: "v2" } });
    await a.saveTokens({ userId: "u-rotate", provider: "p", accessToken: "old", refreshToken: "old-r", expiresIn: 0 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = vi.fn(async () => {
      await gate;
      return { accessToken: "new", refreshToken: "rotated-r", expiresIn: 3600 };
    });
    const refreshed = Promise.allSettled([a.getValidAccessToken("u-rotate", "p", { refresh: slow })]);
    await vi.waitFor(() => expect(slow).toHaveBeenCalledTimes(1));
    expect(await b.reencryptAll()).toMatchObject({ updated: 1 });
    release();
    expect(await refreshed).toMatchObject([{ status: "fulfilled", value: { accessToken: "new", refreshToken: "rotated-r" } }]);
    expect(await b.getTokens("u-rotate", "p")).toMatchObject({ status: "active", accessToken: "new", refreshToken: "rotated-r" });
    expect(slow).toHaveBeenCalledTimes(1);
  });

  it("refreshes once across two adapters on two connection pools", async () => {
    const clock = createTestClock();
    const second = db.newPool() ?? db.client;
    const a = createOAuthStore({ adapter: postgresAdapter({ pool: db.client }), clock: clock.now, refreshWait: { intervalMs: 2 } });
    const b = createOAuthStore({ adapter: postgresAdapter({ pool: second }), clock: clock.now, refreshWait: { intervalMs: 2 } });
    await a.saveTokens({ userId: "u-2p", provider: "p", accessToken: "old", refreshToken: "r", expiresIn: 0 });
    const refresh = vi.fn(async () => ({ accessToken: "new", expiresIn: 3600 }));
    const results = await Promise.all([1, 2, 3].flatMap(() => [a, b].map((s) => s.getValidAccessToken("u-2p", "p", { refresh }))));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(["new"]));
  });
});
