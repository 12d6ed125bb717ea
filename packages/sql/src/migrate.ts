import { quoteIdentifier } from "./identifier.js";
import type { SqlExecutor } from "./types.js";

/** One versioned schema change. Versions are applied in ascending order, each once. */
export interface Migration {
  /** Its position in the history: 1, 2, 3… Applied in order, each once. */
  version: number;
  /** A short description, recorded in the history table. */
  name: string;
  /** The SQL to run, possibly several statements; it runs in one transaction with its history row. */
  sql: string;
}

/** Options of {@link runMigrations}. */
export interface RunMigrationsOptions {
  /** Whose migrations these are (`oauth_store`); one history per namespace. */
  namespace: string;
  /** The migrations, in any order; each `version` is applied at most once. */
  migrations: readonly Migration[];
  /** Schema that holds the `atom_migrations` history table. @default the connection's search_path */
  schema?: string;
}

/** What {@link runMigrations} did. */
export interface MigrationResult {
  /** Versions applied by this call (empty when already up to date). */
  applied: number[];
}

/**
 * Applies the migrations that have not run yet, in one transaction, under an advisory lock so that several
 * processes starting together apply each version once. Idempotent.
 */
export async function runMigrations(sql: SqlExecutor, options: RunMigrationsOptions): Promise<MigrationResult> {
  const schema = options.schema === undefined ? undefined : quoteIdentifier(options.schema, "schema");
  const table = schema ? `${schema}.atom_migrations` : "atom_migrations";
  return sql.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`atom:migrations:${options.namespace}`]);
    if (schema) await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
        namespace text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (namespace, version)
      )`,
    );
    const done = await tx.query<{ version: number }>(`SELECT version FROM ${table} WHERE namespace = $1`, [
      options.namespace,
    ]);
    const have = new Set(done.rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of [...options.migrations].sort((a, b) => a.version - b.version)) {
      if (have.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query(`INSERT INTO ${table} (namespace, version, name) VALUES ($1, $2, $3)`, [
        options.namespace,
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { applied };
  });
}

/** Splits a migration file on `;` at line ends (our migrations hold no functions or quoted semicolons). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
