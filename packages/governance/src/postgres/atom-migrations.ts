import type { MigrationSet } from "@atom/sql";
import { governanceMigrations } from "./migrations.js";

/**
 * Governance's migrations in the shape `atom-migrate` discovers (`npx atom-migrate up --packages governance`); the
 * same set `migrate(pool)` applies. The tables are created on the connection's `search_path`; `schema` only places
 * the history table (`atom-migrate --schema` sets both).
 * @example
 * ```ts
 * const { namespace, migrations } = atomMigrations();
 * ```
 */
export function atomMigrations(options: { schema?: string } = {}): MigrationSet {
  return {
    namespace: "governance",
    migrations: governanceMigrations,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
  };
}
