import { DatabaseError, parseInput } from "@atom/errors";
import { createSqlExecutor, type SqlDatabase, type SqlExecutor } from "@atom/sql";
import { z } from "zod";

/** Options of the Postgres adapters. */
export interface PostgresGovernanceOptions {
  /** Your `pg.Pool`, a PGlite instance, or a client inside your own transaction. */
  pool: SqlDatabase;
}

const optionsSchema = z.object({
  pool: z.custom<SqlDatabase>((v) => typeof (v as SqlDatabase | null)?.query === "function", "must have a query method"),
});

/** Validates the options and wraps the pool in an `@atom/sql` executor. @internal */
export function executor(options: PostgresGovernanceOptions, fn: string): SqlExecutor {
  return createSqlExecutor(parseInput(optionsSchema, options, `[@atom/governance] [postgres] ${fn}`).pool);
}

/** Runs `fn`, wrapping driver failures in `DATABASE_ERROR` with the cause kept. @internal */
export async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new DatabaseError({ message: `[@atom/governance] [postgres] ${what} failed`, cause: error });
  }
}

/**
 * Whether `id` can never be a stored key: Postgres text cannot hold NUL (the query itself would fail), so a lookup of
 * such an id answers "not found" without one. @internal
 */
export const unstorableId = (id: unknown): boolean => typeof id === "string" && id.includes("\u0000");
