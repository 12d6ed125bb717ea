import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlExecutor, pipelinedTransaction, type SqlExecutor } from "./index.js";

let db: TestDatabase;
let sql: SqlExecutor;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlExecutor(db.client);
  await sql.query("CREATE TABLE piped (id int PRIMARY KEY, label text NOT NULL)");
});
afterAll(() => db.close());

const labels = async () => (await sql.query<{ label: string }>("SELECT label FROM piped ORDER BY id")).rows.map((r) => r.label);

describe(`pipelinedTransaction (${process.env.DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("hands fn the first statement's rows and the commit read the transaction's own writes", async () => {
    let read: unknown[] | undefined;
    const result = await pipelinedTransaction(
      db.client,
      "INSERT INTO piped VALUES (1, 'first') RETURNING label",
      async (rows, tx) => {
        await tx.query("INSERT INTO piped VALUES (2, $1)", ["second"]);
        return rows;
      },
      () => ({ statement: "SELECT count(*)::int AS n FROM piped", done: (rows) => (read = rows) }),
    );
    expect(result).toEqual([{ label: "first" }]);
    expect(read).toEqual([{ n: 2 }]);
    expect(await labels()).toEqual(["first", "second"]);
  });

  it("commits nothing when the commit read fails, and tells the read why", async () => {
    let failure: unknown;
    await expect(
      pipelinedTransaction(
        db.client,
        "INSERT INTO piped VALUES (3, 'kept?')",
        async (_rows, tx) => tx.query("INSERT INTO piped VALUES (4, 'kept?')"),
        () => ({ statement: "SELECT 1 / 0", done: (rows, error) => (failure = rows ?? error) }),
      ),
    ).rejects.toMatchObject({ code: "22012" });
    expect(failure).toMatchObject({ code: "22012" });
    expect(await labels()).toEqual(["first", "second"]);
  });

  it("rolls back the first statement when fn throws, and asks for no commit read", async () => {
    let asked = false;
    await expect(
      pipelinedTransaction(
        db.client,
        "INSERT INTO piped VALUES (5, 'gone')",
        async () => {
          throw new Error("boom");
        },
        () => {
          asked = true;
          return undefined;
        },
      ),
    ).rejects.toThrow("boom");
    expect(asked).toBe(false);
    expect(await labels()).toEqual(["first", "second"]);
  });

  it("commits when the first statement or the commit read ends in a line comment", async () => {
    await pipelinedTransaction(
      db.client,
      "INSERT INTO piped VALUES (6, 'commented') -- the first",
      async () => undefined,
      () => ({ statement: "SELECT 1 -- the read", done: () => undefined }),
    );
    expect(await labels()).toEqual(["first", "second", "commented"]);
    // Nothing left open: a new transaction on the pool starts cleanly, and the row is there for every connection.
    const other = db.newPool();
    if (other) expect((await other.query("SELECT label FROM piped WHERE id = 6")).rows).toEqual([{ label: "commented" }]);
  });
});
