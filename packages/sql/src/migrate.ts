import { migrationChecksum } from "./checksum.js";
import {
  asDatabaseError,
  MigrationChangedError,
  MigrationFailedError,
  MigrationLockTimeoutError,
  sqlState,
} from "./migration-errors.js";
import { ensureHistoryTable, readHistory, takeMigrationLock, type HistoryRow } from "./migration-history.js";
import { resolveMigrationOptions, type Migration, type ResolvedMigrationOptions, type RunMigrationsOptions } from "./migration-options.js";
import type { SqlExecutor } from "./types.js";

/** An applied migration whose SQL differs from the checksum recorded when it ran. */
export interface ChangedMigration {
  /** Its version. */
  version: number;
  /** Checksum recorded when it was applied. */
  appliedChecksum: string;
  /** Checksum of the SQL given now. */
  currentChecksum: string;
}

/** What {@link runMigrations} did. */
export interface MigrationResult {
  /** Versions applied by this call (empty when already up to date). */
  applied: number[];
  /** Applied migrations whose SQL changed since they ran; present only when `allowChanged: true` let some through. */
  changed?: ChangedMigration[];
}

/**
 * Applies the migrations that have not run yet, each sent to the server whole, all in one transaction: either every
 * pending version is applied and recorded, or none is.
 *
 * - Safe when many processes start at once: every call, whatever its namespace or schema, first takes one shared
 *   advisory lock, so each version is applied exactly once and the history table is created once.
 * - Each applied migration's checksum is recorded; a later call whose SQL for an applied version differs fails with
 *   `MIGRATION_CHANGED` (namespace, version, both checksums) unless `allowChanged` is set. Rows recorded before
 *   checksums existed take the current checksum on the next run.
 * - A failing statement becomes `MIGRATION_FAILED` naming the migration; a lock wait past `lockTimeoutMs` becomes
 *   `MIGRATION_LOCK_TIMEOUT`. Bad options are `VALIDATION_ERROR`s naming the field.
 *
 * @example
 * ```ts
 * await runMigrations(createSqlExecutor(pool), {
 *   namespace: "my_app",
 *   migrations: [{ version: 1, name: "init", sql: "CREATE TABLE t (id int PRIMARY KEY)" }],
 * }); // { applied: [1] } the first time, { applied: [] } after
 * ```
 */
export async function runMigrations(sql: SqlExecutor, options: RunMigrationsOptions): Promise<MigrationResult> {
  const resolved = resolveMigrationOptions(options, "runMigrations");
  try {
    return await sql.transaction((tx) => migrateInTransaction(tx, resolved));
  } catch (error) {
    throw toMigrationError(resolved, error);
  }
}

async function migrateInTransaction(tx: SqlExecutor, resolved: ResolvedMigrationOptions): Promise<MigrationResult> {
  await tx.query(`SET LOCAL lock_timeout = ${resolved.lockTimeoutMs}`);
  await takeMigrationLock(tx);
  await ensureHistoryTable(tx, resolved.table, resolved.schema);
  const history = new Map((await readHistory(tx, resolved.table, resolved.namespace)).map((row) => [row.version, row]));
  const changed = await checkApplied(tx, resolved, history);
  const applied: number[] = [];
  for (const migration of resolved.migrations) {
    if (history.has(migration.version)) continue;
    await apply(tx, resolved, migration);
    applied.push(migration.version);
  }
  return changed.length === 0 ? { applied } : { applied, changed };
}

/** Compares applied versions with the given SQL; records checksums missing from older history rows. */
async function checkApplied(
  tx: SqlExecutor,
  resolved: ResolvedMigrationOptions,
  history: Map<number, HistoryRow>,
): Promise<ChangedMigration[]> {
  const changed: ChangedMigration[] = [];
  for (const migration of resolved.migrations) {
    const row = history.get(migration.version);
    if (row === undefined) continue;
    const currentChecksum = migrationChecksum(migration.sql);
    if (row.checksum === null) {
      await tx.query(`UPDATE ${resolved.table} SET checksum = $3 WHERE namespace = $1 AND version = $2`, [
        resolved.namespace,
        migration.version,
        currentChecksum,
      ]);
    } else if (row.checksum !== currentChecksum) {
      const mismatch = { version: migration.version, appliedChecksum: row.checksum, currentChecksum };
      if (!resolved.allowChanged) throw new MigrationChangedError({ namespace: resolved.namespace, ...mismatch });
      changed.push(mismatch);
    }
  }
  return changed;
}

async function apply(tx: SqlExecutor, resolved: ResolvedMigrationOptions, migration: Migration): Promise<void> {
  try {
    await tx.exec(migration.sql);
  } catch (error) {
    const code = sqlState(error);
    if (code === "55P03") throw error;
    throw new MigrationFailedError(
      {
        namespace: resolved.namespace,
        version: migration.version,
        name: migration.name,
        reason: error instanceof Error ? error.message : String(error),
        ...(code === undefined ? {} : { sqlState: code }),
      },
      { cause: error },
    );
  }
  await tx.query(`INSERT INTO ${resolved.table} (namespace, version, name, checksum) VALUES ($1, $2, $3, $4)`, [
    resolved.namespace,
    migration.version,
    migration.name,
    migrationChecksum(migration.sql),
  ]);
}

/** `lock_not_available` (55P03, raised by `lock_timeout`) becomes `MIGRATION_LOCK_TIMEOUT`; see {@link asDatabaseError}. */
function toMigrationError(resolved: ResolvedMigrationOptions, error: unknown): unknown {
  if (sqlState(error) !== "55P03") return asDatabaseError(error, "migrating", resolved.namespace);
  return new MigrationLockTimeoutError({ namespace: resolved.namespace, lockTimeoutMs: resolved.lockTimeoutMs }, { cause: error });
}
