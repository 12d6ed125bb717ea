import { runMigrations, type MigrationResult, type SqlDatabase } from "@atom/sql";
import { atomMigrations } from "./atom-migrations.js";
import { executor } from "./shared.js";

/**
 * Creates the governance tables (versioned, idempotent, under an advisory lock).
 * @example await migrate(pool);
 */
export function migrate(pool: SqlDatabase): Promise<MigrationResult> {
  const sql = executor({ pool }, "migrate");
  return runMigrations(sql, atomMigrations());
}
