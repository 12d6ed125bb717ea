import { createSqlExecutor, isRetryableSqlError, type PgPoolLike, type SqlDatabase, type SqlExecutor } from "@atom/sql";

/**
 * A transaction whose first statement travels with its `BEGIN` in one round trip: the simple query protocol takes
 * several statements in one message when they have no parameters (`first` inlines its values). On anything but a
 * `pg.Pool` it is an ordinary transaction that runs `first` first. Retried on a serialization failure or deadlock,
 * like `@atom/sql` transactions.
 * @internal
 */
export async function transactionWith<R>(db: SqlDatabase, sql: SqlExecutor, first: string, fn: (rows: unknown[], tx: SqlExecutor) => Promise<R>): Promise<R> {
  if (!isPool(db)) return sql.transaction(async (tx) => fn((await tx.query(first)).rows, tx));
  for (let tries = 0; ; tries++) {
    try {
      return await once(db, first, fn);
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

async function once<R>(pool: PgPoolLike, first: string, fn: (rows: unknown[], tx: SqlExecutor) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // Two statements, two results: BEGIN's and `first`'s.
    const results = (await client.query(`BEGIN; ${first}`)) as unknown as { rows: unknown[] }[];
    const result = await fn(results[1]?.rows ?? [], createSqlExecutor(client));
    await client.query("COMMIT");
    return result;
  } catch (error) {
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
