import { parseInput } from "@atom/errors";
import { z } from "zod";
import { quoteIdentifier } from "./identifier.js";

/** One versioned schema change. Versions are applied in ascending order, each once. */
export interface Migration {
  /** Its position in the history: 1, 2, 3… Applied in order, each once. */
  version: number;
  /** A short description, recorded in the history table. */
  name: string;
  /**
   * The SQL to run: one or several statements, sent to the server whole (dollar-quoted functions, triggers,
   * quoted `;` and comments are fine). It runs in one transaction with its history row. Never edit it once it has
   * been applied anywhere: its checksum is recorded and checked.
   */
  sql: string;
}

/**
 * A package's migrations in the one shape `atom-migrate` discovers: every Atom Postgres package exports
 * `atomMigrations(options)` returning one of these from its `./postgres` subpath.
 */
export interface MigrationSet {
  /** Whose migrations these are (`ledger`); one history per namespace. */
  namespace: string;
  /** The migrations, in any order. */
  migrations: readonly Migration[];
  /** Schema that holds the history table (and, for Atom packages, the tables). @default the connection's search_path */
  schema?: string;
}

/** Options of {@link runMigrations}. */
export interface RunMigrationsOptions extends MigrationSet {
  /**
   * Go on when an applied migration's SQL no longer matches its recorded checksum (the mismatches are reported in
   * the result). Without it such an edit is refused with `MIGRATION_CHANGED`.
   * @default false
   */
  allowChanged?: boolean;
  /**
   * How long to wait for the migration lock, and for each table lock a migration needs, before failing with
   * `MIGRATION_LOCK_TIMEOUT` (PostgreSQL `lock_timeout`, local to the migration's transaction). At most one hour.
   * @default 60000
   */
  lockTimeoutMs?: number;
}

/** Longest migration SQL accepted (bytes of text), and most migrations in one set. */
export const MIGRATION_LIMITS = {
  /** Characters of one migration's SQL. */
  sqlLength: 1_000_000,
  /** Migrations in one set. */
  migrations: 10_000,
  /** Characters of a migration's name. */
  nameLength: 200,
  /** Characters of a namespace. */
  namespaceLength: 200,
} as const;

const migrationSchema = z.object({
  version: z.number().int().min(1).max(2_147_483_647),
  name: z.string().min(1).max(MIGRATION_LIMITS.nameLength),
  sql: z
    .string()
    .max(MIGRATION_LIMITS.sqlLength)
    .refine((sql) => sql.trim().length > 0, "must hold at least one statement"),
});

const optionsSchema = z
  .object({
    namespace: z
      .string()
      .min(1)
      .max(MIGRATION_LIMITS.namespaceLength)
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
    migrations: z
      .array(migrationSchema)
      .max(MIGRATION_LIMITS.migrations)
      .superRefine((migrations, ctx) => {
        const seen = new Set<number>();
        migrations.forEach((migration, index) => {
          if (seen.has(migration.version)) {
            ctx.addIssue({ code: "custom", path: [index, "version"], message: `version ${migration.version} appears twice` });
          }
          seen.add(migration.version);
        });
      }),
    schema: z.string().optional(),
    allowChanged: z.boolean().optional(),
    lockTimeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  })
  .strict();

/** Validated options with the history table's qualified name. @internal */
export interface ResolvedMigrationOptions {
  namespace: string;
  /** Sorted by version. */
  migrations: Migration[];
  schema: string | undefined;
  /** `atom_migrations`, or `"schema".atom_migrations`. */
  table: string;
  allowChanged: boolean;
  lockTimeoutMs: number;
}

/** Validates options (typed `VALIDATION_ERROR` naming the field) and resolves the history table. @internal */
export function resolveMigrationOptions(options: RunMigrationsOptions, context: string): ResolvedMigrationOptions {
  const parsed = parseInput(optionsSchema, options, `[@atom/sql] ${context}`);
  const schema = parsed.schema === undefined ? undefined : quoteIdentifier(parsed.schema, "schema");
  return {
    namespace: parsed.namespace,
    migrations: [...parsed.migrations].sort((a, b) => a.version - b.version),
    schema,
    table: schema === undefined ? "atom_migrations" : `${schema}.atom_migrations`,
    allowChanged: parsed.allowChanged ?? false,
    lockTimeoutMs: parsed.lockTimeoutMs ?? 60_000,
  };
}
