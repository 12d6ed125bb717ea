import { createSqlExecutor, isRetryableSqlError, type PgPoolLike, type SqlDatabase, type SqlExecutor } from "@atom/sql";

/**
 * A parameterless read that travels with a transaction's `COMMIT`, asked for when the transaction is about to
 * commit. It runs last in the transaction, so it sees the transaction's writes, and if it fails nothing commits.
 * @internal
 */
export interface AfterCommit {
  /** The read, without parameters. */
  statement: string;
  /** Called once with the statement's rows, or with the error that prevented them (nothing committed then). */
  done(rows: unknown[] | undefined, error?: unknown): void;
}

/**
 * A transaction whose first statement travels with its `BEGIN` in one round trip, and whose `COMMIT` may carry the
 * read `after()` returns: the simple query protocol takes several statements in one message when they have no
 * parameters (they inline their values). On anything but a `pg.Pool` it is an ordinary transaction that runs
 * `first` first and the `after` read last. Retried on a serialization failure or deadlock,
 * like `@atom/sql` transactions.
 * @internal
 */
export async function transactionWith<R>(
  db: SqlDatabase,
  sql: SqlExecutor,
  first: string,
  fn: (rows: unknown[], tx: SqlExecutor) => Promise<R>,
  after: () => AfterCommit | undefined = () => undefined,
): Promise<R> {
  if (!isPool(db)) {
    return sql.transaction(async (tx) => {
      const result = await fn((await tx.query(first)).rows, tx);
      const carried = after();
      if (carried) {
        let rows: unknown[];
        try {
          rows = (await tx.query(carried.statement)).rows;
        } catch (error) {
          carried.done(undefined, error);
          throw error;
        }
        carried.done(rows);
      }
      return result;
    });
  }
  for (let tries = 0; ; tries++) {
    try {
      return await once(db, first, fn, after);
    } catch (error) {
      if (!isRetryableSqlError(error) || tries >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** Math.min(tries, 6)));
    }
  }
}

const RETRIES = 5;

function isPool(db: SqlDatabase): db is PgPoolLike {
  return typeof (db as PgPoolLike).connect === "function" && typeof (db as PgPoolLike).totalCount === "number";
}

type Results = { rows: unknown[] }[];

async function once<R>(pool: PgPoolLike, first: string, fn: (rows: unknown[], tx: SqlExecutor) => Promise<R>, after: () => AfterCommit | undefined): Promise<R> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let carried: AfterCommit | undefined;
  try {
    // Two statements, two results: BEGIN's and `first`'s.
    const begun = (await client.query(`BEGIN; ${first}`)) as unknown as Results;
    const result = await fn(begun[1]?.rows ?? [], createSqlExecutor(client));
    carried = after();
    if (!carried) await client.query("COMMIT");
    else {
      const committed = (await client.query(`${carried.statement}; COMMIT`)) as unknown as Results;
      carried.done(committed[0]?.rows ?? []);
      carried = undefined;
    }
    return result;
  } catch (error) {
    carried?.done(undefined, error);
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
