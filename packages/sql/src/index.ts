/**
 * `@atom/sql`: the small layer the Atom Postgres adapters share. It runs the same queries and transactions on your
 * `pg.Pool`, a PGlite instance, or a client inside your own transaction, retries serialization failures and
 * deadlocks, and applies versioned, checksummed migrations under one advisory lock (the `atom-migrate` command line
 * applies every installed Atom package's migrations).
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
export { checkOutClient, type HeldClient } from "./checkout.js";
export { createSqlExecutor, isRetryableSqlError } from "./executor.js";
export { pipelinedTransaction, type CommitRead } from "./pipelined-transaction.js";
export { TransactionAbortedError } from "./transaction-errors.js";
export { quoteIdentifier } from "./identifier.js";
export { migrationChecksum } from "./checksum.js";
export { runMigrations, type ChangedMigration, type MigrationResult } from "./migrate.js";
export { MigrationChangedError, MigrationFailedError, MigrationLockTimeoutError } from "./migration-errors.js";
export { MIGRATION_LIMITS, type Migration, type MigrationSet, type RunMigrationsOptions } from "./migration-options.js";
export { migrationStatus, type MigrationState, type MigrationStatus } from "./migration-status.js";
export type {
  DriverResult,
  ExecutorOptions,
  PGliteLike,
  PgPoolLike,
  PooledClient,
  Queryable,
  QueryOptions,
  SqlDatabase,
  SqlExecutor,
  SqlResult,
  TransactionOptions,
} from "./types.js";
