import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { createSqlExecutor, type SqlExecutor } from "@atom/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineParameter, inlineParameters } from "./sql-literals.js";

describe("inlineParameters", () => {
  it("writes each placeholder's value in, and leaves placeholders inside quotes and comments alone", () => {
    const text = `SELECT $1, '$1 it''s', "col$1", $$ $2 $$, $tag$ $1 $tag$, E'\\' $1', a$1, $10 -- $1\n /* $1 /* $2 */ $1 */ $2`;
    const values = ["one", 2, null, 4, 5, 6, 7, 8, 9, "ten"];
    const inlined = inlineParameters(text, values) as string;
    const literal = /\$atom_[0-9a-f]{12}\$([^$]*)\$atom_[0-9a-f]{12}\$/g;
    expect(inlined.replace(literal, "<$1>")).toBe(
      `SELECT <one>, '$1 it''s', "col$1", $$ $2 $$, $tag$ $1 $tag$, E'\\' $1', a$1, <ten> -- $1\n /* $1 /* $2 */ $1 */ <2>`,
    );
  });

  it("refuses values it cannot write, and placeholders without a value, with undefined", () => {
    expect(inlineParameters("SELECT $1", [[1, 2]])).toBeUndefined();
    expect(inlineParameters("SELECT $1", [Buffer.from("x")])).toBeUndefined();
    expect(inlineParameters("SELECT $1", [Number.NaN])).toBeUndefined();
    expect(inlineParameters("SELECT $2", ["x"])).toBeUndefined();
    expect(inlineParameters("SELECT $t$ unterminated", [])).toBeUndefined();
  });

  it("picks a quote tag the value does not hold", () => {
    const value = "$atom_000000000000$ and $$";
    const inlined = inlineParameters("SELECT $1", [value]) as string;
    const tag = inlined.slice("SELECT ".length, "SELECT ".length + 19);
    expect(inlined).toBe(`SELECT ${tag}${value}${tag}`);
    expect(value.includes(tag)).toBe(false);
  });
});

describe("inlineParameter", () => {
  it("writes one parameter in and numbers the later ones down, leaving quotes and comments alone", () => {
    const text = "SELECT $2, $1, $3, '$2', $2 -- $3\n";
    const inlined = inlineParameter(text, 2, ["a", "b", "c"]) as string;
    expect(inlined.replace(/\$atom_[0-9a-f]{12}\$([^$]*)\$atom_[0-9a-f]{12}\$/g, "<$1>")).toBe("SELECT <b>, $1, $2, '$2', <b> -- $3\n");
  });

  it("refuses a value it cannot write, a parameter past the values, and placeholders without a value", () => {
    expect(inlineParameter("SELECT $1", 1, [[1]])).toBeUndefined();
    expect(inlineParameter("SELECT $1", 2, ["x"])).toBeUndefined();
    expect(inlineParameter("SELECT $1, $3", 1, ["x", "y"])).toBeUndefined();
  });
});

describe("inlineParameters on PostgreSQL", () => {
  let db: TestDatabase;
  let sql: SqlExecutor;
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = createSqlExecutor(db.client);
  });
  afterAll(async () => {
    await db.close();
  });

  it("gives the statement the results its parameters give it, types inferred alike", async () => {
    const text = `WITH defaults AS (SELECT $2 AS label, $3::int AS n, $4::bool AS flag, $5 AS missing)
      SELECT t.name, t.size, d.label, d.n + 1 AS next, d.flag, d.missing IS NULL AS missing, $6::timestamptz AS at, $7::json->>'k' AS k
      FROM json_to_recordset($1) AS t (name text, size int), defaults d ORDER BY t.name`;
    const values = [
      JSON.stringify([{ name: "b'q\\", size: 2 }, { name: "a $1 $$", size: 1 }]),
      "it's $2",
      41,
      true,
      undefined,
      new Date("2026-12-02T10:00:00.000Z"),
      { k: "v\u00e9" },
    ];
    const expected = (await sql.query(text, values)).rows;
    expect(expected).toHaveLength(2);
    expect((await sql.query(inlineParameters(text, values) as string)).rows).toEqual(expected);
    // One parameter written in, the others still sent: the same rows.
    expect((await sql.query(inlineParameter(text, 2, values) as string, values.filter((_, i) => i !== 1))).rows).toEqual(expected);
  });
});
