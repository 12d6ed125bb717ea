import { commit, createSqlExecutor, DEFAULT_RETRIES, isPool, onPooledClient, savepointExecutor, withRetries } from "./executor.js";
import { isInFailedTransaction, TransactionAbortedError } from "./transaction-errors.js";
import type { PgPoolLike, SqlDatabase, SqlExecutor } from "./types.js";

/**
 * A parameterless read that travels with a transaction's `COMMIT` (see {@link pipelinedTransaction}). It runs last
 * in the transaction, so it sees the transaction's writes, and if it fails nothing commits.
 */
export interface CommitRead {
  /** The read, without parameters (its values inlined). */
  statement: string;
  /** Called once with the read's rows, or with the error that prevented them (nothing committed then). */
  done(rows: unknown[] | undefined, error?: unknown): void;
}

type Results = { rows: unknown[] }[];

/**
 * A transaction that saves round trips: its parameterless `first` statement travels with `BEGIN` in one message,
 * and the read `atCommit()` returns when `fn` is done (if any) travels with `COMMIT` in another. The simple query
 * protocol takes several statements in one message when they have no parameters, so both must inline their values.
 * On anything but a `pg.Pool` it is an ordinary transaction that runs `first` first and the commit read last.
 * Retried on a serialization failure or deadlock, like {@link SqlExecutor.transaction}; rejects with
 * `TRANSACTION_ABORTED` (and tells the commit read so) when a statement failed and `fn` caught the error.
 *
 * @param first a parameterless statement; `fn` receives its rows
 * @param fn the rest of the transaction, on an executor whose nested transactions are savepoints
 * @param atCommit asked once `fn` is done: the read to send with `COMMIT`, or `undefined` for none
 */
export function pipelinedTransaction<R>(
  db: SqlDatabase,
  first: string,
  fn: (rows: unknown[], tx: SqlExecutor) => Promise<R>,
  atCommit: () => CommitRead | undefined = () => undefined,
): Promise<R> {
  if (!isPool(db)) {
    return createSqlExecutor(db).transaction(async (tx) => {
      const result = await fn((await tx.query(first)).rows, tx);
      const read = atCommit();
      if (read) {
        let rows: unknown[];
        try {
          rows = (await tx.query(read.statement)).rows;
        } catch (error) {
          const failure = isInFailedTransaction(error) ? new TransactionAbortedError({ scope: "transaction" }, { cause: error }) : error;
          read.done(undefined, failure);
          throw failure;
        }
        read.done(rows);
      }
      return result;
    });
  }
  return withRetries(() => onPool(db, first, fn, atCommit), DEFAULT_RETRIES);
}

function onPool<R>(
  pool: PgPoolLike,
  first: string,
  fn: (rows: unknown[], tx: SqlExecutor) => Promise<R>,
  atCommit: () => CommitRead | undefined,
): Promise<R> {
  return onPooledClient(pool, async (client) => {
    let read: CommitRead | undefined;
    try {
      // Two statements, two results: BEGIN's and `first`'s.
      const begun = (await client.query(`BEGIN;\n${first}`)) as unknown as Results;
      const result = await fn(begun[1]?.rows ?? [], savepointExecutor(client, "client"));
      read = atCommit();
      if (!read) await commit(client);
      else {
        const [committed] = await commit(client, read.statement);
        read.done(committed?.rows ?? []);
        read = undefined;
      }
      return result;
    } catch (error) {
      read?.done(undefined, error);
      throw error;
    }
  });
}
