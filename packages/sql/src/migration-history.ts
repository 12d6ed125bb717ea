import type { SqlExecutor } from "./types.js";

/** One row of the history table. @internal */
export interface HistoryRow {
  version: number;
  name: string;
  appliedAt: Date;
  /** `null` for rows written before checksums were recorded. */
  checksum: string | null;
}

/**
 * Every `runMigrations` call, in any namespace or schema, takes this one transaction-level advisory lock before it
 * touches a history table, so concurrent first runs never race on `CREATE SCHEMA` / `CREATE TABLE` in the catalog.
 */
const MIGRATION_LOCK = "atom:migrations";

/** Waits (bounded by the transaction's `lock_timeout`) for the migration lock. @internal */
export async function takeMigrationLock(tx: SqlExecutor): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [MIGRATION_LOCK]);
}

/** Creates the schema and history table if missing, and adds the checksum column to an older table. @internal */
export async function ensureHistoryTable(tx: SqlExecutor, table: string, schema: string | undefined): Promise<void> {
  if (schema !== undefined) await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await tx.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
      namespace text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      checksum text,
      PRIMARY KEY (namespace, version)
    )`,
  );
  if (!(await hasChecksumColumn(tx, table))) await tx.query(`ALTER TABLE ${table} ADD COLUMN checksum text`);
}

async function hasChecksumColumn(tx: SqlExecutor, table: string): Promise<boolean> {
  const { rows } = await tx.query(
    "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'checksum' AND NOT attisdropped",
    [table],
  );
  return rows.length > 0;
}

/** The namespace's applied migrations; empty when the history table does not exist yet. @internal */
export async function readHistory(sql: SqlExecutor, table: string, namespace: string): Promise<HistoryRow[]> {
  const exists = await sql.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [table]);
  if (exists.rows[0]?.found == null) return [];
  const checksum = (await hasChecksumColumn(sql, table)) ? "checksum" : "NULL::text AS checksum";
  const { rows } = await sql.query<{ version: number; name: string; applied_at: Date | string; checksum: string | null }>(
    `SELECT version, name, applied_at, ${checksum} FROM ${table} WHERE namespace = $1 ORDER BY version`,
    [namespace],
  );
  return rows.map((row) => ({
    version: Number(row.version),
    name: row.name,
    appliedAt: new Date(row.applied_at),
    checksum: row.checksum,
  }));
}
