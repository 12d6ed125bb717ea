/**
 * PostgreSQL storage for `@atom/ledger`, on your `pg.Pool`, a PGlite instance, or a client inside your own
 * transaction (so a host can create an order and post its ledger entry atomically).
 *
 * @example
 * ```ts
 * import { createLedger } from "@atom/ledger";
 * import { migrate, postgresLedger } from "@atom/ledger/postgres";
 *
 * await migrate(pool);
 * const ledger = createLedger({ storage: postgresLedger({ pool }) });
 * ```
 * @packageDocumentation
 */
export { migrate, postgresLedger, type PostgresLedgerOptions } from "./postgres/storage.js";
export { atomMigrations } from "./postgres/atom-migrations.js";
export { ledgerMigrations } from "./postgres/migrations.js";
