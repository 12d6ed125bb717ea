import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlExecutor, migrationChecksum, migrationStatus, runMigrations, type SqlExecutor } from "./index.js";

let db: TestDatabase;
let sql: SqlExecutor;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlExecutor(db.client);
});
afterAll(() => db.close());

const plpgsql = `-- a comment with a ; in it
CREATE TABLE audit_items (id int PRIMARY KEY, label text NOT NULL, touched int NOT NULL DEFAULT 0);
CREATE FUNCTION audit_items_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched := OLD.touched + 1;
  IF NEW.label = 'forbidden;' THEN RAISE EXCEPTION 'no; never'; END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_items_touch BEFORE UPDATE ON audit_items FOR EACH ROW EXECUTE FUNCTION audit_items_touch();
/* block comment; with a semicolon */
INSERT INTO audit_items (id, label) VALUES (1, 'semi;colon');
CREATE FUNCTION tagged() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b'::text $body$;`;

describe("runMigrations sends each migration whole", () => {
  it("applies a $$-quoted PL/pgSQL function, a trigger, quoted and commented semicolons", async () => {
    expect(await runMigrations(sql, { namespace: "whole", migrations: [{ version: 1, name: "trigger", sql: plpgsql }] })).toEqual({
      applied: [1],
    });
    await sql.query("UPDATE audit_items SET label = 'x' WHERE id = 1");
    const { rows } = await sql.query<{ touched: number }>("SELECT touched FROM audit_items WHERE id = 1");
    expect(rows[0]?.touched).toBe(1);
    await expect(sql.query("UPDATE audit_items SET label = 'forbidden;' WHERE id = 1")).rejects.toThrow("no; never");
    expect((await sql.query<{ t: string }>("SELECT tagged() AS t")).rows[0]?.t).toBe("a;b");
  });

  it("names the migration when its SQL fails, and applies nothing of the call", async () => {
    const migrations = [
      { version: 1, name: "ok", sql: "CREATE TABLE fine (id int)" },
      { version: 2, name: "broken", sql: "CREATE TABLE half (id int);\nSELECT nope FROM nowhere" },
    ];
    await expect(runMigrations(sql, { namespace: "broken", migrations })).rejects.toMatchObject({
      code: "MIGRATION_FAILED",
      details: { namespace: "broken", version: 2, name: "broken", sqlState: "42P01" },
    });
    const { rows } = await sql.query("SELECT to_regclass('fine')::text AS a, to_regclass('half')::text AS b");
    expect(rows[0]).toEqual({ a: null, b: null });
    expect((await migrationStatus(sql, { namespace: "broken", migrations })).migrations.map((m) => m.state)).toEqual([
      "pending",
      "pending",
    ]);
  });
});

describe("checksums", () => {
  const v1 = { version: 1, name: "create", sql: "CREATE TABLE checked (id int)" };
  const v2 = { version: 2, name: "alter", sql: "ALTER TABLE checked ADD COLUMN note text" };

  it("refuses to run when an applied migration's SQL was edited, naming namespace, version and both checksums", async () => {
    await runMigrations(sql, { namespace: "checked", migrations: [v1] });
    const edited = { ...v1, sql: "CREATE TABLE checked (id bigint)" };
    await expect(runMigrations(sql, { namespace: "checked", migrations: [edited, v2] })).rejects.toMatchObject({
      code: "MIGRATION_CHANGED",
      details: {
        namespace: "checked",
        version: 1,
        appliedChecksum: migrationChecksum(v1.sql),
        currentChecksum: migrationChecksum(edited.sql),
      },
    });
    const { rows } = await sql.query("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'checked' AND column_name = 'note'");
    expect(rows).toHaveLength(0);
  });

  it("goes on with allowChanged and reports the mismatch", async () => {
    const edited = { ...v1, sql: "CREATE TABLE checked (id bigint)" };
    expect(await runMigrations(sql, { namespace: "checked", migrations: [edited, v2], allowChanged: true })).toEqual({
      applied: [2],
      changed: [{ version: 1, appliedChecksum: migrationChecksum(v1.sql), currentChecksum: migrationChecksum(edited.sql) }],
    });
  });

  it("treats CRLF line endings as the same text", async () => {
    const lf = { version: 1, name: "lf", sql: "CREATE TABLE crlf_a (id int);\nCREATE TABLE crlf_b (id int)" };
    await runMigrations(sql, { namespace: "crlf", migrations: [lf] });
    expect(await runMigrations(sql, { namespace: "crlf", migrations: [{ ...lf, sql: lf.sql.replace("\n", "\r\n") }] })).toEqual({
      applied: [],
    });
  });

  it("upgrades a history table written before checksums, adopting the current checksum", async () => {
    const schema = `legacy_${Date.now()}`;
    await sql.query(`CREATE SCHEMA ${schema}`);
    await sql.query(
      `CREATE TABLE ${schema}.atom_migrations (namespace text NOT NULL, version integer NOT NULL, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (namespace, version))`,
    );
    await sql.query(`INSERT INTO ${schema}.atom_migrations (namespace, version, name) VALUES ('old', 1, 'create')`);
    const set = { namespace: "old", schema, migrations: [{ version: 1, name: "create", sql: "SELECT 1" }] };
    expect((await migrationStatus(sql, set)).migrations[0]).toMatchObject({ version: 1, state: "applied" });
    expect(await runMigrations(sql, set)).toEqual({ applied: [] });
    const status = await migrationStatus(sql, set);
    expect(status.migrations[0]).toMatchObject({ state: "applied", appliedChecksum: migrationChecksum("SELECT 1") });
    await expect(runMigrations(sql, { ...set, migrations: [{ version: 1, name: "create", sql: "SELECT 2" }] })).rejects.toMatchObject({
      code: "MIGRATION_CHANGED",
    });
  });
});

describe("migrationStatus", () => {
  it("reports pending versions on a database never migrated, without creating anything", async () => {
    const schema = `never_${Date.now()}`;
    const status = await migrationStatus(sql, { namespace: "n", schema, migrations: [{ version: 1, name: "a", sql: "SELECT 1" }] });
    expect(status).toEqual({
      namespace: "n",
      migrations: [{ version: 1, name: "a", state: "pending", checksum: migrationChecksum("SELECT 1") }],
    });
    expect((await sql.query("SELECT to_regnamespace($1)::text AS s", [schema])).rows[0]).toEqual({ s: null });
  });

  it("reports applied, changed, pending and unknown versions", async () => {
    const a = { version: 1, name: "a", sql: "CREATE TABLE st_a (id int)" };
    const b = { version: 2, name: "b", sql: "CREATE TABLE st_b (id int)" };
    const c = { version: 3, name: "c", sql: "CREATE TABLE st_c (id int)" };
    await runMigrations(sql, { namespace: "st", migrations: [a, b, c] });
    const status = await migrationStatus(sql, {
      namespace: "st",
      migrations: [{ ...a, sql: "CREATE TABLE st_a (id bigint)" }, b, { version: 4, name: "d", sql: "SELECT 4" }],
    });
    expect(status.migrations.map((m) => [m.version, m.state])).toEqual([
      [1, "changed"],
      [2, "applied"],
      [3, "unknown"],
      [4, "pending"],
    ]);
    expect(status.migrations[1]?.appliedAt).toBeInstanceOf(Date);
  });
});

describe("bad options", () => {
  it.each([
    [{ namespace: "", migrations: [] }, "namespace"],
    [{ namespace: "has space", migrations: [] }, "namespace"],
    [{ namespace: "x", migrations: [{ version: 0, name: "a", sql: "SELECT 1" }] }, "migrations.0.version"],
    [{ namespace: "x", migrations: [{ version: 1.5, name: "a", sql: "SELECT 1" }] }, "migrations.0.version"],
    [{ namespace: "x", migrations: [{ version: 1, name: "a", sql: "  " }] }, "migrations.0.sql"],
    [
      {
        namespace: "x",
        migrations: [
          { version: 1, name: "a", sql: "SELECT 1" },
          { version: 1, name: "b", sql: "SELECT 2" },
        ],
      },
      "migrations.1.version",
    ],
    [{ namespace: "x", migrations: [], lockTimeoutMs: 0 }, "lockTimeoutMs"],
    [{ namespace: "x", migrations: [], allowchanged: true }, ""],
  ])("rejects %j naming %s", async (options, field) => {
    const error = await runMigrations(sql, options as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "VALIDATION_ERROR" });
    if (field !== "") expect(error).toMatchObject({ details: { field } });
  });
});

describe.runIf(process.env.DATABASE_URL)("concurrent first runs on a real PostgreSQL", () => {
  it("4 pools migrating different namespaces and schemas at once all succeed, each version once (20 rounds)", async () => {
    const pools = [0, 1, 2, 3].map(() => db.newPool({ max: 2 })!);
    for (let round = 0; round < 20; round++) {
        const schema = `fresh_${round}_${Date.now()}`;
        const sets = [
          { namespace: "oauth_store", schema, migrations: [{ version: 1, name: "a", sql: `CREATE TABLE ${schema}.a (id int)` }] },
          { namespace: "governance", schema, migrations: [{ version: 1, name: "b", sql: `CREATE TABLE ${schema}.b (id int)` }] },
          { namespace: "ledger", schema, migrations: [{ version: 1, name: "c", sql: `CREATE TABLE ${schema}.c (id int)` }] },
          { namespace: "ledger", schema, migrations: [{ version: 1, name: "c", sql: `CREATE TABLE ${schema}.c (id int)` }] },
        ];
        const results = await Promise.all(sets.map((set, i) => runMigrations(createSqlExecutor(pools[i]!), set)));
        expect(results.map((r) => r.applied.length).sort()).toEqual([0, 1, 1, 1]);
        const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.atom_migrations`);
        expect(Number(rows[0]?.n)).toBe(3);
        await sql.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it("fails with MIGRATION_LOCK_TIMEOUT when another process holds the lock past lockTimeoutMs", async () => {
    const holder = db.newPool({ max: 1 })!;
    const client = await holder.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext('atom:migrations'))");
      const started = Date.now();
      await expect(
        runMigrations(sql, { namespace: "locked", lockTimeoutMs: 200, migrations: [{ version: 1, name: "a", sql: "SELECT 1" }] }),
      ).rejects.toMatchObject({ code: "MIGRATION_LOCK_TIMEOUT", details: { namespace: "locked", lockTimeoutMs: 200 } });
      expect(Date.now() - started).toBeLessThan(10_000);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
  });
});
