import { DatabaseError, isAtomError } from "@atom/errors";
import { LedgerBalanceOutOfRangeError, LedgerConcurrencyError } from "../errors.js";

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** @internal True for Postgres' unique violation (23505): the core decides what a taken key means. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/**
 * The `AtomError` for a driver error, so none escapes raw: 22003 (a bigint overflowed) is
 * `LEDGER_BALANCE_OUT_OF_RANGE`; 40001/40P01 left after `@atom/sql`'s retries (or inside a caller's transaction,
 * which cannot be retried) are `LEDGER_CONCURRENCY_CONFLICT`; any other SQLSTATE or socket error is
 * `DATABASE_ERROR`. Unique violations stay as they are for the core; errors that are not the driver's (an
 * `InvoiceSource` of the host) pass through.
 */
function toLedgerError(error: unknown): unknown {
  if (isAtomError(error)) return error;
  const state = sqlState(error);
  if (state === "23505") return error;
  if (state === "22003") return new LedgerBalanceOutOfRangeError({}, { cause: error });
  if (state === "40001" || state === "40P01") return new LedgerConcurrencyError(undefined, { cause: error });
  const socket = typeof (error as { syscall?: unknown } | null)?.syscall === "string";
  if (state !== undefined || socket) return new DatabaseError({ message: "[@atom/ledger] [postgres] database operation failed", cause: error });
  return error;
}

/** @internal Runs storage work, mapping driver errors (see {@link toLedgerError}). */
export async function mapDriverErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toLedgerError(error);
  }
}
