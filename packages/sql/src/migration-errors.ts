import { DatabaseError, defineError, isAtomError } from "@atom/errors";
import { z } from "zod";

/** `MIGRATION_CHANGED` (500): an applied migration's SQL no longer matches the checksum recorded when it ran. */
export const MigrationChangedError = defineError({
  code: "MIGRATION_CHANGED",
  status: 500,
  message: (d) =>
    `[@atom/sql] migration ${d.namespace} v${d.version} was edited after it was applied ` +
    `(applied checksum ${d.appliedChecksum}, current ${d.currentChecksum}); add a new migration instead, ` +
    "or pass allowChanged: true if the edit is intentional",
  details: z.object({
    /** The migration's namespace. */
    namespace: z.string(),
    /** The edited version. */
    version: z.number(),
    /** SHA-256 recorded when it was applied. */
    appliedChecksum: z.string(),
    /** SHA-256 of the SQL given now. */
    currentChecksum: z.string(),
  }),
});

/** `MIGRATION_FAILED` (500): a migration's SQL failed on the server; nothing of that call was applied. */
export const MigrationFailedError = defineError({
  code: "MIGRATION_FAILED",
  status: 500,
  message: (d) => `[@atom/sql] migration ${d.namespace} v${d.version} (${d.name}) failed: ${d.reason}`,
  details: z.object({
    /** The migration's namespace. */
    namespace: z.string(),
    /** The failing version. */
    version: z.number(),
    /** The failing migration's name. */
    name: z.string(),
    /** PostgreSQL's SQLSTATE, when the driver gave one (`42P01`). */
    sqlState: z.string().optional(),
    /** The server's message. */
    reason: z.string(),
  }),
});

/** `MIGRATION_LOCK_TIMEOUT` (503): another process held the migration lock longer than `lockTimeoutMs`. */
export const MigrationLockTimeoutError = defineError({
  code: "MIGRATION_LOCK_TIMEOUT",
  status: 503,
  message: (d) =>
    `[@atom/sql] waited ${d.lockTimeoutMs} ms for the migration lock (or a table lock) of ${d.namespace}; ` +
    "another process is migrating or holds a lock on the tables",
  details: z.object({
    /** The namespace that was waiting. */
    namespace: z.string(),
    /** How long it waited. */
    lockTimeoutMs: z.number(),
  }),
});

/** The SQLSTATE of a driver error, if it carries one. @internal */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Atom errors pass through; anything else a driver threw (connection refused, permission denied) becomes a
 * `DATABASE_ERROR` saying what was being done, with the driver's error as `cause`. @internal
 */
export function asDatabaseError(error: unknown, doing: string, namespace: string): unknown {
  if (isAtomError(error)) return error;
  const code = sqlState(error);
  return new DatabaseError({
    message: `[@atom/sql] ${doing} ${namespace} failed: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
    details: { namespace, ...(code === undefined ? {} : { sqlState: code }) },
  });
}
