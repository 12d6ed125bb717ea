import { parseInput } from "@atom/errors";
import { z } from "zod";
import { createPostingCore, type PostingOperations } from "./core.js";
import { type InvoiceSource, storageInvoices } from "./invoice-source.js";
import { invoicePostingGuard } from "./invoice-posting-guard.js";
import { type InvoiceOperations, invoiceOperations } from "./invoices.js";
import { type RecognitionScheduleOperations, recognitionScheduleOperations } from "./recognition-schedule.js";
import type { LedgerStorage } from "./types.js";

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
export interface Ledger extends PostingOperations, InvoiceOperations, RecognitionScheduleOperations {}

const ledgerOptionsSchema = z.strictObject({
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
  const core = createPostingCore(storage, clock, invoicePostingGuard(invoices));
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
