/**
 * `@atom/sql`: the small layer the Atom Postgres adapters share. It runs the same queries and transactions on your
 * `pg.Pool`, a PGlite instance, or a client inside your own transaction, retries serialization failures and
 * deadlocks, and applies versioned migrations under an advisory lock.
 *
 * ```sh
 * npm install @atom/sql
 * ```
 *
 * @example
 * ```ts
 * import { createSqlExecutor, runMigrations } from "@atom/sql";
 *
 * const sql = createSqlExecutor(pool);
 * await runMigrations(sql, { namespace: "my_app", migrations: [{ version: 1, name: "init", sql: "CREATE TABLE t (id int)" }] });
 * ```
 * @packageDocumentation
 */
export { createSqlExecutor, isRetryableSqlError } from "./executor.js";
export { quoteIdentifier } from "./identifier.js";
export { runMigrations, type Migration, type MigrationResult, type RunMigrationsOptions } from "./migrate.js";
export type {
  DriverResult,
  PGliteLike,
  PgPoolLike,
  PooledClient,
  Queryable,
  SqlDatabase,
  SqlExecutor,
  SqlResult,
  TransactionOptions,
} from "./types.js";
