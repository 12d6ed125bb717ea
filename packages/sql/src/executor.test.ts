import { createHash } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlExecutor, isRetryableSqlError, runMigrations, type SqlExecutor } from "./index.js";

let db: TestDatabase;
let sql: SqlExecutor;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlExecutor(db.client);
  await sql.query("CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)");
});
afterAll(() => db.close());

describe("createSqlExecutor", () => {
  it("recognizes the database kind", () => {
    expect(sql.kind).toBe(db.kind === "postgres" ? "pool" : "pglite");
  });

  it("commits a transaction and reports row counts", async () => {
    const inserted = await sql.transaction(async (tx) => tx.query("INSERT INTO items VALUES (1, 'a'), (2, 'b')"));
    expect(inserted.rowCount).toBe(2);
    const { rows } = await sql.query<{ label: string }>("SELECT label FROM items ORDER BY id");
    expect(rows.map((r) => r.label)).toEqual(["a", "b"]);
  });

  it("rolls back everything when the function throws", async () => {
    await expect(
      sql.transaction(async (tx) => {
        await tx.query("INSERT INTO items VALUES (10, 'x')");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const { rows } = await sql.query("SELECT 1 FROM items WHERE id = 10");
    expect(rows).toHaveLength(0);
  });

  it("nests with savepoints: an inner failure keeps the outer work", async () => {
    await sql.transaction(async (tx) => {
      await tx.query("INSERT INTO items VALUES (20, 'outer')");
      await expect(
        tx.transaction(async (inner) => {
          await inner.query("INSERT INTO items VALUES (21, 'inner')");
          throw new Error("inner");
        }),
      ).rejects.toThrow("inner");
    });
    const { rows } = await sql.query<{ id: number }>("SELECT id FROM items WHERE id IN (20, 21) ORDER BY id");
    expect(rows.map((r) => Number(r.id))).toEqual([20]);
  });

  it("retries a transaction that hits a serialization failure", async () => {
    let attempts = 0;
    const result = await sql.transaction(async () => {
      attempts++;
      if (attempts < 3) throw Object.assign(new Error("could not serialize"), { code: "40001" });
      return "done";
    });
    expect(result).toBe("done");
    expect(attempts).toBe(3);
    expect(isRetryableSqlError({ code: "40P01" })).toBe(true);
    expect(isRetryableSqlError({ code: "23505" })).toBe(false);
  });

  it("runs a statement prepared when asked, on a pool: once per connection, with the same results", async () => {
    const text = "SELECT label, $1::int AS n FROM items WHERE id = ANY($2::int[]) ORDER BY id";
    const plain = await sql.query(text, [7, [1, 2]]);
    expect((await sql.query(text, [7, [1, 2]], { prepare: true })).rows).toEqual(plain.rows);
    // One connection: the statement prepared by the first call is the one the second reuses.
    const pool = db.newPool({ max: 1 });
    if (!pool) return expect(db.kind).toBe("pglite");
    const single = createSqlExecutor(pool);
    const prepared = () => single.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements");
    await single.query(text, [1, [1]]);
    expect((await prepared()).rows).toEqual([]);
    for (const id of [1, 2]) expect((await single.query<{ label: string }>(text, [id, [id]], { prepare: true })).rows.map((r) => r.label)).toEqual([id === 1 ? "a" : "b"]);
    expect((await prepared()).rows.map((r) => r.statement)).toEqual([text]);
  });

  it("makes a connection's plans of its prepared statements again once they are older than planMaxAgeMs", async () => {
    const pool = db.newPool({ max: 1 });
    if (!pool) return expect(db.kind).toBe("pglite");
    const single = createSqlExecutor(pool, { planMaxAgeMs: 300 });
    // No autovacuum: its ANALYZE would make the plan again on its own.
    await single.query("CREATE TABLE grown (id int PRIMARY KEY, label text NOT NULL) WITH (autovacuum_enabled = false)");
    await single.query("ANALYZE grown");
    const text = "SELECT label FROM grown WHERE id = ANY($1::int[])";
    const plan = async () => {
      const { rows } = await single.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE statement = $1", [text]);
      const explained = await single.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE ${(rows[0] as { name: string }).name}('{1,2}')`);
      return explained.rows.map((row) => row["QUERY PLAN"]).join("\n");
    };
    // Prepared while the table is empty: after five runs Postgres keeps a generic plan made for an empty table.
    for (let i = 0; i < 8; i++) await single.query(text, [[1, 2]], { prepare: true });
    await single.query("INSERT INTO grown SELECT n, 'x' FROM generate_series(1, 50000) n");
    expect(await plan()).toMatch(/Seq Scan/);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await single.query(text, [[1, 2]], { prepare: true })).rows).toEqual([{ label: "x" }, { label: "x" }]);
    expect(await plan()).toMatch(/Index/);
    expect(await plan()).not.toMatch(/Seq Scan/);
  });

  it("refuses a bad option, naming it", () => {
    for (const options of [{ planMaxAgeMs: -1 }, { planMaxAgeMs: 1.5 }, { planMaxAge: 10 }]) {
      expect(() => createSqlExecutor(db.client, options as never)).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR", message: expect.stringMatching(/planMaxAge/) }));
    }
  });

  it("runs a prepared statement again unprepared when the server can no longer run it as prepared", async () => {
    const pool = db.newPool({ max: 1 });
    if (!pool) return expect(db.kind).toBe("pglite");
    const single = createSqlExecutor(pool);
    await single.query("CREATE TABLE reshaped (id int PRIMARY KEY, n int NOT NULL)");
    await single.query("INSERT INTO reshaped VALUES (1, 7)");
    const text = "SELECT n FROM reshaped WHERE id = $1";
    expect((await single.query(text, [1], { prepare: true })).rows).toEqual([{ n: 7 }]);
    // A migration changes the column's type: the prepared statement's result type no longer holds (0A000).
    await single.query("ALTER TABLE reshaped ALTER COLUMN n TYPE text");
    for (let i = 0; i < 2; i++) expect((await single.query(text, [1], { prepare: true })).rows).toEqual([{ n: "7" }]);
    // A connection that lost its prepared statements (DISCARD ALL behind a pooler): 26000.
    await single.query("DISCARD ALL");
    const other = "SELECT n || $2 AS n FROM reshaped WHERE id = $1";
    expect((await single.query(other, [1, "!"], { prepare: true })).rows).toEqual([{ n: "7!" }]);
    await single.query("DEALLOCATE ALL");
    expect((await single.query(other, [1, "?"], { prepare: true })).rows).toEqual([{ n: "7?" }]);
    // A backend that already holds a statement of that name, prepared by another client behind a pooler that shares
    // backends (42P05): the name is a hash of the text, as another process of this library gives it.
    const shared = "SELECT n || '#' AS n FROM reshaped WHERE id = $1";
    const name = `atom_${createHash("sha256").update(shared).digest("hex").slice(0, 32)}`;
    await single.query(`PREPARE ${name} (int) AS SELECT 'prepared elsewhere' AS n`);
    for (let i = 0; i < 2; i++) expect((await single.query(shared, [1], { prepare: true })).rows).toEqual([{ n: "7#" }]);
  });

  it("joins a caller's transaction when given a client", async () => {
    await sql.transaction(async (outer) => {
      const joined = createSqlExecutor({ query: (text, params) => outer.query(text, params) });
      expect(joined.kind).toBe("client");
      await joined.transaction((tx) => tx.query("INSERT INTO items VALUES (30, 'joined')"));
      throw Object.assign(new Error("caller aborts"), { code: "XX000" });
    }).catch(() => undefined);
    const { rows } = await sql.query("SELECT 1 FROM items WHERE id = 30");
    expect(rows).toHaveLength(0);
  });
});

describe("runMigrations", () => {
  const migrations = [
    { version: 1, name: "create", sql: "CREATE TABLE m1 (id int);\nCREATE TABLE m2 (id int);" },
    { version: 2, name: "alter", sql: "ALTER TABLE m1 ADD COLUMN note text" },
  ];

  it("applies each version once, in order", async () => {
    expect(await runMigrations(sql, { namespace: "test", migrations })).toEqual({ applied: [1, 2] });
    expect(await runMigrations(sql, { namespace: "test", migrations })).toEqual({ applied: [] });
    await sql.query("INSERT INTO m1 (id, note) VALUES (1, 'ok')");
  });

  it("rolls back a failing migration whole", async () => {
    const bad = [{ version: 1, name: "bad", sql: "CREATE TABLE half (id int);\nSELECT nope FROM nowhere" }];
    await expect(runMigrations(sql, { namespace: "bad", migrations: bad })).rejects.toThrow();
    const { rows } = await sql.query("SELECT to_regclass('half') AS t");
    expect(rows[0]).toEqual({ t: null });
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(runMigrations(sql, { namespace: "x", migrations, schema: "a; DROP" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "schema" },
    });
  });
});
