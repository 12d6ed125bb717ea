import { createHash } from "node:crypto";
import { parseInput } from "@atom/errors";
import { z } from "zod";
import { isInFailedTransaction, TransactionAbortedError } from "./transaction-errors.js";
import { checkOutClient } from "./checkout.js";
import type { DriverResult, ExecutorOptions, PGliteLike, PgPoolLike, PooledClient, Queryable, QueryOptions, SqlDatabase, SqlExecutor, SqlResult, TransactionOptions } from "./types.js";

const RETRYABLE = new Set(["40001", "40P01"]);

/** @internal How often a transaction runs again after a serialization failure or deadlock, unless told otherwise. */
export const DEFAULT_RETRIES = 5;

/** True for a serialization failure or a deadlock: errors a transaction may simply run again after. */
export function isRetryableSqlError(error: unknown): boolean {
  return RETRYABLE.has(String((error as { code?: unknown } | null)?.code ?? ""));
}

/** @internal True for a `pg.Pool` (or anything with its `connect` and `totalCount`). */
export function isPool(db: SqlDatabase): db is PgPoolLike {
  return typeof (db as PgPoolLike).connect === "function" && typeof (db as PgPoolLike).totalCount === "number";
}

function isPGlite(db: SqlDatabase): db is PGliteLike {
  return typeof (db as PGliteLike).transaction === "function" && typeof (db as PGliteLike).exec === "function";
}

async function run<R>(db: Queryable, text: string, params: readonly unknown[] | undefined): Promise<SqlResult<R>> {
  return normalized(await db.query(text, params ? [...params] : undefined));
}

function normalized<R>(result: DriverResult): SqlResult<R> {
  return { rows: result.rows as R[], rowCount: result.rowCount ?? result.affectedRows ?? 0 };
}

/** `pg`'s query config: a named statement is prepared once per connection. */
interface PgQueryConfig {
  name: string;
  text: string;
  values: unknown[];
}

/** Prepared-statement names by text (`null`: runs unprepared), for the texts seen most recently. */
const preparedNames = new Map<string, string | null>();

/** A statement's prepared-statement name: a hash of its text; `null` once the server could not run it prepared. */
function preparedName(text: string): string | null {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `atom_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
    remember(text, name);
  }
  return name;
}

function remember(text: string, name: string | null): void {
  if (!preparedNames.has(text) && preparedNames.size >= 256) preparedNames.delete(preparedNames.keys().next().value as string);
  preparedNames.set(text, name);
}

/**
 * The server cannot run the connection's prepared statement: it is gone (`DISCARD ALL`, `DEALLOCATE` behind a
 * pooler: 26000), the backend already holds another statement of its name (prepared by another client behind a
 * pooler that shares backends: 42P05), or a schema change altered its result type (0A000). Run as it is, the
 * statement is fine.
 */
function preparedStatementLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === "26000" || code === "42P05" || (code === "0A000" && typeof message === "string" && message.includes("cached plan must not change result type"));
}

/** When each connection's cached plans were last discarded (or the connection first ran a prepared statement here). */
const plannedAt = new WeakMap<PooledClient, number>();

/**
 * Runs a named statement on a connection of `pool`, first discarding the connection's cached plans (`DISCARD PLANS`:
 * its prepared statements stay, their plans are made again on their next runs) when they are `planMaxAgeMs` old.
 */
async function runPrepared<R>(pool: PgPoolLike, config: PgQueryConfig, planMaxAgeMs: number): Promise<SqlResult<R>> {
  const { client, release } = await checkOutClient(pool);
  let broken: Error | undefined;
  try {
    const now = performance.now();
    const since = plannedAt.get(client);
    if (since === undefined) plannedAt.set(client, now);
    else if (now - since >= planMaxAgeMs) {
      await client.query("DISCARD PLANS");
      plannedAt.set(client, now);
    }
    const query = client.query as unknown as (config: PgQueryConfig) => Promise<DriverResult>;
    return normalized(await query.call(client, config));
  } catch (error) {
    // The server's error (a SQLSTATE) leaves the connection as it was; anything else may have broken it.
    if (!/^[0-9A-Z]{5}$/.test(String((error as { code?: unknown } | null)?.code ?? ""))) broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    release(broken);
  }
}

async function runOnPool<R>(pool: PgPoolLike, text: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined, planMaxAgeMs: number): Promise<SqlResult<R>> {
  const name = options?.prepare ? preparedName(text) : null;
  if (name === null) return run(pool, text, params);
  try {
    return await runPrepared(pool, { name, text, values: params ? [...params] : [] }, planMaxAgeMs);
  } catch (error) {
    if (!preparedStatementLost(error)) throw error;
    // Nothing ran (the statement failed whole, outside any transaction): run it unprepared, now and from now on.
    remember(text, null);
    return run(pool, text, params);
  }
}

/** Sends a script whole: PGlite (and its transactions) through `exec`, `pg` through a parameterless query. */
async function runScript(db: Queryable, script: string): Promise<void> {
  const exec = (db as Partial<PGliteLike>).exec;
  if (typeof exec === "function") await exec.call(db, script);
  else await db.query(script);
}

/** @internal How old a connection's cached plans may grow before its next prepared statement makes them again. */
export const DEFAULT_PLAN_MAX_AGE_MS = 2000;

const executorOptionsSchema = z.object({ planMaxAgeMs: z.number().int().min(0).max(86_400_000).optional() }).strict();

let savepointCounter = 0;

/**
 * @internal Sends `COMMIT` (with `before`, parameterless statements sent in the same message, if any) and throws
 * `TRANSACTION_ABORTED` when Postgres rolled back instead: `pg` answers the `COMMIT` of an aborted transaction with a
 * `ROLLBACK` command tag and no error, and a statement sent before it fails with SQLSTATE 25P02.
 * @returns the results of the statements in `before`, in order
 */
export async function commit(client: Queryable, before?: string): Promise<DriverResult[]> {
  let answered: DriverResult | DriverResult[];
  try {
    // After a line break: a line comment ending `before` would otherwise swallow the separator and the COMMIT.
    answered = await client.query(before === undefined ? "COMMIT" : `${before}\n;\nCOMMIT`);
  } catch (error) {
    if (isInFailedTransaction(error)) throw new TransactionAbortedError({ scope: "transaction" }, { cause: error });
    throw error;
  }
  const results = Array.isArray(answered) ? answered : [answered];
  const last = results.at(-1)?.command;
  if (last === "ROLLBACK") throw new TransactionAbortedError({ scope: "transaction" });
  // Whatever kept the COMMIT from running (the caller's statements), the transaction must not stay open.
  if (last !== "COMMIT") throw new Error(`COMMIT did not run (the last statement sent with it was ${String(last)})`);
  return results.slice(0, -1);
}

/** Runs `fn` in a savepoint: released when `fn` returns, rolled back when it throws or a statement in it failed. */
async function inSavepoint<T>(db: Queryable, fn: () => Promise<T>): Promise<T> {
  const name = `atom_sp_${++savepointCounter}`;
  await db.query(`SAVEPOINT ${name}`);
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await db.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw error;
  }
  try {
    await db.query(`RELEASE SAVEPOINT ${name}`);
  } catch (error) {
    await db.query(`ROLLBACK TO SAVEPOINT ${name}`);
    if (isInFailedTransaction(error)) throw new TransactionAbortedError({ scope: "savepoint" }, { cause: error });
    throw error;
  }
  return result;
}

/** @internal An executor on one connection (or transaction) whose nested transactions are savepoints. */
export function savepointExecutor(db: Queryable, kind: SqlExecutor["kind"]): SqlExecutor {
  const self: SqlExecutor = {
    kind,
    query: (text, params) => run(db, text, params),
    exec: (script) => runScript(db, script),
    transaction: (fn) => inSavepoint(db, () => fn(self)),
  };
  return self;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** @internal Runs `attempt` again (up to `retries` more times, with jittered backoff) on a serialization failure or deadlock. */
export async function withRetries<T>(attempt: () => Promise<T>, retries: number): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryableSqlError(error) || tries >= retries) throw error;
      await delay(Math.random() * 5 * 2 ** Math.min(tries, 6));
    }
  }
}

/**
 * @internal Runs `body` (which begins and commits a transaction) on one client of `pool`. When `body` fails the
 * transaction is rolled back; a client whose `ROLLBACK` fails is discarded rather than returned to the pool.
 */
export async function onPooledClient<T>(pool: PgPoolLike, body: (client: PooledClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkOutClient(pool);
  let broken: Error | undefined;
  try {
    return await body(client);
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    release(broken);
  }
}

function beginStatement(options: TransactionOptions | undefined): string {
  return options?.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : "BEGIN";
}

/**
 * Wraps a `pg.Pool`, a PGlite instance or a caller's client in one {@link SqlExecutor}.
 *
 * - Pool: each transaction takes a connection, runs `BEGIN`…`COMMIT`, and always releases it.
 * - PGlite: uses its single connection; transactions are serialized by PGlite.
 * - A client: assumed to be inside the caller's transaction; `transaction` uses savepoints and never commits.
 *
 * A transaction (or savepoint) in which a statement failed is rolled back even when `fn` caught the error and
 * returned: `transaction` then rejects with {@link TransactionAbortedError} (`TRANSACTION_ABORTED`) instead of
 * resolving as if it had committed.
 *
 * Statements run with `prepare` (on a pool) keep their plans on each connection for `planMaxAgeMs` at most: a plan
 * made while a table was nearly empty does not outlive the table's growth by more than that.
 *
 * @example
 * ```ts
 * const sql = createSqlExecutor(pool);
 * await sql.transaction(async (tx) => { await tx.query("UPDATE accounts SET ..."); });
 * ```
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options (an unknown one included).
 */
export function createSqlExecutor(db: SqlDatabase, options?: ExecutorOptions): SqlExecutor {
  const planMaxAgeMs = (options && parseInput(executorOptionsSchema, options, "[@atom/sql] createSqlExecutor").planMaxAgeMs) ?? DEFAULT_PLAN_MAX_AGE_MS;
  if (isPool(db)) {
    return {
      kind: "pool",
      query: (text, params, queryOptions) => runOnPool(db, text, params, queryOptions, planMaxAgeMs),
      exec: (script) => runScript(db, script),
      transaction(fn, options) {
        return withRetries(
          () =>
            onPooledClient(db, async (client) => {
              await client.query(beginStatement(options));
              const result = await fn(savepointExecutor(client, "client"));
              await commit(client);
              return result;
            }),
          options?.retries ?? DEFAULT_RETRIES,
        );
      },
    };
  }
  if (isPGlite(db)) {
    return {
      kind: "pglite",
      query: (text, params) => run(db, text, params),
      exec: (script) => runScript(db, script),
      transaction(fn, options) {
        return withRetries(async () => {
          let returned = false;
          try {
            return await db.transaction(async (tx) => {
              if (options?.isolation) await tx.query(`SET TRANSACTION ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
              const result = await fn(savepointExecutor(tx, "client"));
              returned = true;
              return result;
            });
          } catch (error) {
            // PGlite's own COMMIT saw the ROLLBACK and threw 25P02 after `fn` had returned.
            if (returned && isInFailedTransaction(error)) throw new TransactionAbortedError({ scope: "transaction" }, { cause: error });
            throw error;
          }
        }, options?.retries ?? DEFAULT_RETRIES);
      },
    };
  }
  return savepointExecutor(db, "client");
}
