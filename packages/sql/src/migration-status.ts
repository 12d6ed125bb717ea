import { migrationChecksum } from "./checksum.js";
import { asDatabaseError } from "./migration-errors.js";
import { readHistory } from "./migration-history.js";
import { resolveMigrationOptions, type MigrationSet } from "./migration-options.js";
import type { SqlExecutor } from "./types.js";

/** Where one migration stands. */
export interface MigrationState {
  /** Its version. */
  version: number;
  /** Its name (as given now; as recorded for an `unknown` version). */
  name: string;
  /**
   * `applied` (checksums match, or none was recorded yet), `pending`, `changed` (applied, but its SQL differs from
   * the recorded checksum), or `unknown` (recorded in the database, absent from the given migrations: applied by
   * newer code).
   */
  state: "applied" | "pending" | "changed" | "unknown";
  /** Checksum of the SQL given now (absent for `unknown`). */
  checksum?: string;
  /** Checksum recorded when it was applied (absent when pending, or recorded before checksums existed). */
  appliedChecksum?: string;
  /** When it was applied. */
  appliedAt?: Date;
}

/** What {@link migrationStatus} reports for one namespace. */
export interface MigrationStatus {
  /** The namespace. */
  namespace: string;
  /** Every version, given or recorded, ascending. */
  migrations: MigrationState[];
}

/**
 * Reports which migrations of a set are applied, pending or changed, without changing anything: no lock is taken and
 * nothing is created (a database never migrated reports every version pending).
 *
 * @example
 * ```ts
 * const { migrations } = await migrationStatus(createSqlExecutor(pool), atomMigrations());
 * const pending = migrations.filter((m) => m.state === "pending");
 * ```
 * @throws ValidationError on a malformed set; DatabaseError when the database cannot be read.
 */
export async function migrationStatus(sql: SqlExecutor, set: MigrationSet): Promise<MigrationStatus> {
  const resolved = resolveMigrationOptions(set, "migrationStatus");
  let history;
  try {
    history = await readHistory(sql, resolved.table, resolved.namespace);
  } catch (error) {
    throw asDatabaseError(error, "reading the migration history of", resolved.namespace);
  }
  const recorded = new Map(history.map((row) => [row.version, row]));
  const states: MigrationState[] = resolved.migrations.map((migration) => {
    const checksum = migrationChecksum(migration.sql);
    const row = recorded.get(migration.version);
    if (row === undefined) return { version: migration.version, name: migration.name, state: "pending", checksum };
    return {
      version: migration.version,
      name: migration.name,
      state: row.checksum === null || row.checksum === checksum ? "applied" : "changed",
      checksum,
      ...(row.checksum === null ? {} : { appliedChecksum: row.checksum }),
      appliedAt: row.appliedAt,
    };
  });
  const given = new Set(resolved.migrations.map((migration) => migration.version));
  for (const row of history) {
    if (given.has(row.version)) continue;
    states.push({
      version: row.version,
      name: row.name,
      state: "unknown",
      ...(row.checksum === null ? {} : { appliedChecksum: row.checksum }),
      appliedAt: row.appliedAt,
    });
  }
  states.sort((a, b) => a.version - b.version);
  return { namespace: resolved.namespace, migrations: states };
}
