import type { MigrationSet } from "@atom/sql";
import { oauthStoreMigrations } from "./migrations.js";
import { tableNames, type PostgresTableOptions } from "./tables.js";

/**
 * The adapter's migrations in the shape `atom-migrate` discovers (`npx atom-migrate up --packages oauth-store`); the
 * same set `migrate(pool, options)` applies.
 * @example
 * ```ts
 * const { namespace, migrations } = atomMigrations({ tablePrefix: "app_" });
 * ```
 */
export function atomMigrations(options: PostgresTableOptions = {}): MigrationSet {
  const names = tableNames(options, "[@atom/oauth-store] [postgres] atomMigrations");
  return {
    namespace: names.namespace,
    migrations: oauthStoreMigrations(options),
    ...(names.schema === undefined ? {} : { schema: names.schema }),
  };
}
