import { parseInput } from "@atom/errors";
import { z } from "zod";
import { type AccountInput, createPostingCore, type LedgerScope, type PostInput, type Statement, type TrialBalance } from "./core.js";
import { type InvoiceSource, storageInvoices } from "./invoice-source.js";
import { type InvoiceOperations, invoiceOperations } from "./invoices.js";
import { type RecognitionScheduleOperations, recognitionScheduleOperations } from "./recognition-schedule.js";
import type { statementSchema } from "./schemas.js";
import type { Account, LedgerCallOptions, LedgerStorage, Transaction } from "./types.js";

/** Options of {@link createLedger}. */
export interface LedgerOptions {
  /** Where transactions live: `memoryLedger()`, `postgresLedger({ pool })` or your own. */
  storage: LedgerStorage;
  /** Clock for `effectiveAt`, `createdAt` and "now" in balances. @default () => new Date() */
  clock?: () => Date;
  /** Where invoices live. @default the storage's own invoice table */
  invoices?: InvoiceSource;
}

/** A double-entry ledger with invoices; see {@link createLedger}. */
export interface Ledger extends InvoiceOperations, RecognitionScheduleOperations {
  /** Creates an account (idempotent when identical, also under concurrency). @throws {ValidationError} */
  createAccount(input: AccountInput, options?: LedgerCallOptions): Promise<Account>;
  /**
   * Posts a balanced transaction atomically. With an `idempotencyKey`, a repeat (same content, metadata key order
   * aside) returns the original transaction and posts nothing.
   * @throws LedgerUnbalancedError, LedgerAccountNotFoundError, LedgerCurrencyMismatchError,
   *   LedgerNormalBalanceViolationError (also when a backdated decrease would overdraw any time since its
   *   `effectiveAt`), LedgerBalanceOutOfRangeError, LedgerIdempotencyConflictError, ValidationError — and writes nothing
   */
  post(input: PostInput, options?: LedgerCallOptions): Promise<Transaction>;
  /**
   * Posts the mirror of a transaction, linked to it. A transaction is reversed at most once; reversals and the
   * transactions the invoice operations posted (`LEDGER_TRANSACTION_MANAGED`: void the invoice instead) cannot be.
   * @throws ValidationError naming `reason` when it is missing
   */
  reverse(transactionId: string, options: { reason: string } & LedgerCallOptions): Promise<Transaction>;
  /** An account's balance on its normal side, as of now (future-dated entries not yet counted) or as of a time. */
  balance(account: string, options?: { asOf?: Date } & LedgerCallOptions): Promise<bigint>;
  /** Every account with its balance (as of now, or a time) in the debit or credit column. */
  trialBalance(options?: { asOf?: Date } & LedgerCallOptions): Promise<TrialBalance>;
  /** An account's entries with the running balance, paginated by cursor. */
  statement(account: string, options?: z.input<typeof statementSchema> & LedgerCallOptions): Promise<Statement>;
  /** The transactions linked to a business object. */
  transactionsBySource(type: string, id: string, options?: LedgerCallOptions): Promise<Transaction[]>;
  /** Throws `LEDGER_BALANCE_ASSERTION_FAILED` unless the balance is `expected` (beancount's `balance` directive). */
  assertBalance(account: string, expected: bigint, options?: { asOf?: Date } & LedgerCallOptions): Promise<void>;
  /**
   * Runs several operations in one storage transaction: all of them commit, or none (when `fn` throws). The scope
   * offers the posting operations only; balances change by posting, never directly.
   */
  withTransaction<T>(fn: (scope: LedgerScope) => Promise<T>, options?: LedgerCallOptions): Promise<T>;
}

const ledgerOptionsSchema = z.object({
  storage: z.custom<LedgerStorage>(
    (v) => typeof (v as LedgerStorage | null)?.transaction === "function" && typeof (v as LedgerStorage).isUniqueViolation === "function",
    "must implement transaction and isUniqueViolation",
  ),
  clock: z.custom<() => Date>((v) => typeof v === "function", "must be a function").optional(),
  invoices: z
    .custom<InvoiceSource>(
      (v) => typeof (v as InvoiceSource | null)?.getInvoice === "function" && typeof (v as InvoiceSource).setInvoiceStatus === "function",
      "must implement getInvoice and setInvoiceStatus",
    )
    .optional(),
});

/**
 * Creates a double-entry ledger on integer minor units (`bigint`): every posting is validated and balanced per
 * currency, account balances are kept in the same storage transaction as the entries, and nothing is ever updated
 * or deleted (corrections are reversals).
 *
 * Layers: the posting core (accounts, postings, balances, reversals) is below the invoice and recognition
 * operations, which use only the core's operations.
 *
 * @example
 * ```ts
 * const ledger = createLedger({ storage: memoryLedger() });
 * await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: "USD" });
 * await ledger.createAccount({ code: "3000", name: "Capital", type: "equity", currency: "USD" });
 * await ledger.post({
 *   description: "Owner investment",
 *   entries: [
 *     { account: "1000", side: "debit", amount: money("500.00", "USD").amount },
 *     { account: "3000", side: "credit", amount: 50_000n },
 *   ],
 * });
 * await ledger.balance("1000"); // 50000n
 * ```
 */
export function createLedger(options: LedgerOptions): Ledger {
  const { storage } = parseInput(ledgerOptionsSchema, options, "[@atom/ledger] createLedger");
  const invoices = options.invoices ?? storageInvoices;
  const clock = options.clock ?? (() => new Date());
  const core = createPostingCore(storage, clock);
  return {
    createAccount: core.createAccount,
    post: core.post,
    reverse: core.reverse,
    balance: core.balance,
    trialBalance: core.trialBalance,
    statement: core.statement,
    transactionsBySource: core.transactionsBySource,
    assertBalance: core.assertBalance,
    withTransaction: core.withTransaction,
    ...invoiceOperations(core, clock, (error) => storage.isUniqueViolation(error), invoices),
    ...recognitionScheduleOperations(core, clock, invoices),
  };
}
