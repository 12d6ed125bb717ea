import { quoteIdentifier, type Migration, type MigrationSet } from "@atom/sql";
import { runStoreMigrations } from "./migrations.js";

/**
 * The run store's migrations in the shape `atom-migrate` discovers (`npx atom-migrate up --packages workflow-engine`);
 * the same set `postgresRunStore(...).migrate()` applies.
 * @example
 * ```ts
 * for (const m of atomMigrations().migrations) console.log(`-- v${m.version} ${m.name}\n${m.sql}`);
 * ```
 */
export function atomMigrations(options: { schema?: string } = {}): MigrationSet {
  const prefix = options.schema === undefined ? "" : `${quoteIdentifier(options.schema, "schema")}.`;
  const migrations: readonly Migration[] = runStoreMigrations(prefix);
  return { namespace: "workflow-engine", migrations, ...(options.schema === undefined ? {} : { schema: options.schema }) };
}
