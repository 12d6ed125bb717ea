import { DatabaseError, isAtomError } from "@atom/errors";
import { isRetryableSqlError } from "@atom/sql";
import {
  LedgerAccountNotFoundError,
  LedgerAlreadyReversedError,
  LedgerBalanceOutOfRangeError,
  LedgerConcurrencyError,
  LedgerCurrencyMismatchError,
  LedgerImmutableError,
  LedgerNormalBalanceViolationError,
  LedgerUnbalancedError,
} from "../errors.js";

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** @internal True for Postgres' unique violation (23505): the core decides what a taken key means. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === "23505";
}

/** The ledger's rule errors as the posting function raises them (SQLSTATE `LG0xx`, details as JSON in DETAIL). */
const RULES: Record<string, (details: Record<string, unknown>) => Error> = {
  LG001: (d) => new LedgerAccountNotFoundError(d as { account: string; entry: number }),
  LG002: (d) => new LedgerCurrencyMismatchError(d as { entry: number; account: string; expected: string; actual: string }),
  LG003: (d) => new LedgerUnbalancedError(d as { currency: string; debits: string; credits: string }),
  LG004: (d) => new LedgerBalanceOutOfRangeError(d as { account: string }),
  LG005: (d) => new LedgerNormalBalanceViolationError(d as { account: string; entry: number; balance: string }),
  LG006: (d) => new LedgerAlreadyReversedError({ transactionId: String(d.transactionId), reason: "was already reversed" }),
};

function ruleError(state: string, error: unknown): Error | undefined {
  const rule = RULES[state];
  if (!rule) return state === "LG010" ? new LedgerImmutableError({}, { cause: error }) : undefined;
  try {
    return rule(JSON.parse(String((error as { detail?: unknown }).detail)) as Record<string, unknown>);
  } catch {
    return undefined;
  }
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
  const rule = state === undefined ? undefined : ruleError(state, error);
  if (rule) return rule;
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

/** @internal `methods` with every function wrapped in {@link mapDriverErrors}; other properties as they are. */
export function mappingDriverErrors<T extends object>(methods: T): T {
  const mapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(methods)) {
    mapped[key] = typeof value === "function" ? (...args: unknown[]) => mapDriverErrors(async () => (value as (...a: unknown[]) => unknown).apply(methods, args)) : value;
  }
  return mapped as T;
}

/** @internal Runs one statement outside a transaction, again after a serialization failure or deadlock (at most 5 times). */
export async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryableSqlError(error) || tries >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** tries));
    }
  }
}
