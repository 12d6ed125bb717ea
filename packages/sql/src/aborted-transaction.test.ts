import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSqlExecutor, pipelinedTransaction, type Queryable, type SqlExecutor, TransactionAbortedError } from "./index.js";

let db: TestDatabase;
let sql: SqlExecutor;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlExecutor(db.client);
  await sql.query("CREATE TABLE aborted (id int PRIMARY KEY)");
});
afterAll(() => db.close());
beforeEach(async () => {
  await sql.query("TRUNCATE aborted");
});

const ids = async () => (await sql.query<{ id: number }>("SELECT id FROM aborted ORDER BY id")).rows.map((r) => Number(r.id));

/** Inserts `id` twice and swallows the duplicate: Postgres has aborted the transaction, whatever `fn` returns. */
async function swallowDuplicate(tx: SqlExecutor, id: number): Promise<string> {
  await tx.query("INSERT INTO aborted VALUES ($1)", [id]);
  await tx.query("INSERT INTO aborted VALUES ($1)", [id]).catch(() => undefined);
  return "returned";
}

/** Runs `fn` on a client inside a transaction of the caller's own (a `pg` client on a server, a PGlite transaction). */
async function inCallerTransaction(fn: (client: Queryable) => Promise<void>): Promise<void> {
  if (db.kind === "pglite") {
    const pglite = db.client as unknown as { transaction(fn: (tx: Queryable) => Promise<void>): Promise<void> };
    await pglite.transaction(fn);
    return;
  }
  const client = await (db.client as import("pg").Pool).connect();
  try {
    await client.query("BEGIN");
    await fn(client as unknown as Queryable);
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

const aborted = (scope: "transaction" | "savepoint") => ({
  name: "TransactionAbortedError",
  code: "TRANSACTION_ABORTED",
  status: 500,
  details: { scope },
  message: expect.stringMatching(/^\[@atom\/sql\] .*rolled back.*a statement in it failed/),
});

describe(`a transaction Postgres rolled back (${process.env.DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("rejects with TRANSACTION_ABORTED when fn caught a failed statement and returned, and commits nothing", async () => {
    const failure = await sql.transaction((tx) => swallowDuplicate(tx, 1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransactionAbortedError);
    expect(failure).toMatchObject(aborted("transaction"));
    expect(await ids()).toEqual([]);
    await sql.transaction((tx) => tx.query("INSERT INTO aborted VALUES (2)"));
    expect(await ids()).toEqual([2]);
  });

  it("rejects a savepoint fn caught a failed statement in, and the outer transaction goes on and commits", async () => {
    await sql.transaction(async (tx) => {
      await tx.query("INSERT INTO aborted VALUES (10)");
      await expect(tx.transaction((inner) => swallowDuplicate(inner, 11))).rejects.toMatchObject(aborted("savepoint"));
      await tx.query("INSERT INTO aborted VALUES (12)");
    });
    expect(await ids()).toEqual([10, 12]);
  });

  it("rejects on a client inside the caller's transaction, keeping the caller's transaction usable", async () => {
    await inCallerTransaction(async (client) => {
      const joined = createSqlExecutor(client);
      await joined.query("INSERT INTO aborted VALUES (20)");
      await expect(joined.transaction((tx) => swallowDuplicate(tx, 21))).rejects.toMatchObject(aborted("savepoint"));
      await joined.query("INSERT INTO aborted VALUES (22)");
    });
    expect(await ids()).toEqual([20, 22]);
  });

  it("rejects a pipelined transaction, with and without a commit read, and tells the read", async () => {
    await expect(pipelinedTransaction(db.client, "SELECT 1", async (_rows, tx) => swallowDuplicate(tx, 30))).rejects.toMatchObject(
      aborted("transaction"),
    );
    let told: unknown;
    await expect(
      pipelinedTransaction(
        db.client,
        "INSERT INTO aborted VALUES (31)",
        async (_rows, tx) => swallowDuplicate(tx, 32),
        () => ({ statement: "SELECT count(*)::int AS n FROM aborted", done: (rows, error) => (told = rows ?? error) }),
      ),
    ).rejects.toMatchObject(aborted("transaction"));
    expect(told).toMatchObject(aborted("transaction"));
    expect(await ids()).toEqual([]);
  });
});
