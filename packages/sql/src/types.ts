/** A query result: the rows and how many rows the statement touched. */
export interface SqlResult<R> {
  /** The rows returned (empty for statements that return none). */
  rows: R[];
  /** How many rows the statement touched (`0` when the driver does not say). */
  rowCount: number;
}

/** Anything that runs a parameterized query: a `pg` Pool, Client or PoolClient, or a PGlite instance. */
export interface Queryable {
  /** Runs one parameterized statement (`$1`, `$2`, … placeholders). */
  query(text: string, params?: unknown[]): Promise<DriverResult>;
}

/** What a driver's `query` returns: `pg` sets `rowCount`, PGlite sets `affectedRows`. */
export interface DriverResult {
  /** The rows returned. */
  rows: unknown[];
  /** `pg`: rows touched (`null` for some commands). */
  rowCount?: number | null;
  /** PGlite: rows touched. */
  affectedRows?: number;
  /** `pg`: the command tag (`ROLLBACK` for the `COMMIT` of an aborted transaction). */
  command?: string;
}

/** A `pg.Pool` (or anything shaped like one). */
export interface PgPoolLike extends Queryable {
  /** Checks out a client for a transaction. */
  connect(): Promise<PooledClient>;
  /** How many clients the pool holds (identifies a `pg.Pool`). */
  totalCount: number;
}

/** A client checked out of a {@link PgPoolLike}. */
export interface PooledClient extends Queryable {
  /** Returns the client to the pool; pass the error to discard a broken connection. */
  release(error?: Error | boolean): void;
}

/** A PGlite instance (`@electric-sql/pglite`). */
export interface PGliteLike extends Queryable {
  /** Runs `fn` in PGlite's transaction (PGlite serializes them). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<unknown>;
}

/**
 * What Atom's Postgres adapters accept: your `pg.Pool`, a PGlite instance, or a client that is already inside
 * your own transaction (the adapter then works inside it, using savepoints, and never commits it).
 */
export type SqlDatabase = PgPoolLike | PGliteLike | Queryable;

/** Options of {@link SqlExecutor.transaction}. */
export interface TransactionOptions {
  /**
   * How many times a transaction that fails with a serialization failure (`40001`) or deadlock (`40P01`) is run
   * again. Only the outermost transaction retries.
   * @default 5
   */
  retries?: number;
  /** Isolation level of the outermost transaction. @default "read committed" */
  isolation?: "read committed" | "repeatable read" | "serializable";
}

/** Options of `createSqlExecutor`. */
export interface ExecutorOptions {
  /**
   * How long, in ms, a connection keeps the plans of the statements it runs prepared (`prepare: true`): the first
   * prepared statement a connection runs after that discards them (`DISCARD PLANS`: the statements stay prepared),
   * and each is planned again on its next runs, for its tables as they are then. Postgres keeps a generic plan
   * until the table is next analyzed, so a plan made while a table was nearly empty would otherwise serve it long
   * after it grew (a scan where an index lookup is due).
   * @default 2000
   */
  planMaxAgeMs?: number;
}

/** Options of {@link SqlExecutor.query}. */
export interface QueryOptions {
  /**
   * On a `pg.Pool`, run the statement as a named prepared statement (named by a hash of its text): each connection
   * parses it once, and Postgres may keep a generic plan instead of planning every call. For statements run often
   * whose text is fixed, their values being parameters: each distinct text stays prepared on each connection for
   * its life, its plans made again every `planMaxAgeMs` (an option of `createSqlExecutor`). A statement the server
   * can no longer run prepared (its connection lost it, another client behind a pooler left a statement of its name
   * on the backend, or a schema change altered its result type) runs unprepared, then and from then on. Leave it
   * off behind a pooler that does not track prepared statements (PgBouncer in transaction mode before 1.21).
   * Elsewhere (PGlite, a caller's client) the statement runs as usual.
   * @default false
   */
  prepare?: boolean;
}

/** Runs queries and transactions the same way on `pg` and PGlite. */
export interface SqlExecutor {
  /** `pool`, `pglite`, or `client` (a caller's connection, possibly inside the caller's transaction). */
  readonly kind: "pool" | "pglite" | "client";
  /** Runs one parameterized statement and normalizes the result across drivers. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<SqlResult<R>>;
  /**
   * Runs a script of several statements, without parameters, sent to the server whole (the simple query protocol on
   * `pg`, `exec` on PGlite), so dollar-quoted function bodies, quoted `;` and comments reach the server intact.
   */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` in a transaction: `BEGIN`/`COMMIT` on a connection of its own, or a savepoint when already inside
   * one. Rolls back when `fn` throws.
   * @throws TransactionAbortedError (`TRANSACTION_ABORTED`) when a statement in it failed and `fn` caught the error
   *   and returned: Postgres rolled the transaction (or savepoint) back, so nothing it wrote was kept
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
}
