import { quoteIdentifier, type MigrationSet } from "@atom/sql";
import { ledgerMigrations } from "./migrations.js";

/**
 * The ledger's migrations in the shape `atom-migrate` discovers (`npx atom-migrate up --packages ledger`); the same
 * set `migrate(pool, options)` applies.
 * @example
 * ```ts
 * const { namespace, migrations } = atomMigrations({ schema: "billing" });
 * ```
 */
export function atomMigrations(options: { schema?: string } = {}): MigrationSet {
  const schema = options.schema === undefined ? undefined : quoteIdentifier(options.schema, "schema");
  return {
    namespace: "ledger",
    migrations: ledgerMigrations(schema),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
  };
}
