/**
 * `@atom/ledger`: double-entry bookkeeping on integer minor units, with invoices and revenue recognition
 * in each invoice's currency (Dr 2200-USD Deferred Revenue / Cr 4000-USD Service Revenue for a USD invoice).
 *
 * ```sh
 * npm install @atom/ledger
 * ```
 *
 * @example
 * ```ts
 * import { createLedger, memoryLedger, money } from "@atom/ledger";
 *
 * const ledger = createLedger({ storage: memoryLedger() });
 * const invoice = await ledger.createInvoice({ customerId: "c-1", amount: money("1200.00", "USD").amount, currency: "USD" });
 * await ledger.recordDeferral(invoice.id, { via: "receivable" }); // Dr 1200-USD / Cr 2200-USD
 * await ledger.recognizeRevenue(invoice.id);                      // Dr 2200-USD / Cr 4000-USD, DRAFT → OPEN
 * ```
 * @packageDocumentation
 */
export { createLedger, type Ledger, type LedgerOptions } from "./ledger.js";
export type { AccountInput, LedgerScope, PostInput, PostingOperations, Statement, TrialBalance, TrialBalanceRow } from "./core.js";
export { checkPosting, lowestBalanceSince, type CheckedPosting } from "./posting-rules.js";
export { memoryLedger } from "./memory.js";
export { currencyExponent, formatMoney, isCurrency, MAX_AMOUNT, money, type Money } from "./money.js";
export { NORMAL_SIDE, balanceFromTotals, signedAmount } from "./accounting.js";
export { RECOGNITION_ACCOUNTS, recognitionAccount, type RecognitionAccount } from "./recognition-accounts.js";
export type { InvoiceInput, InvoiceOperations, InvoicePosting } from "./invoices.js";
export { MAX_PERIODS, type RecognitionPeriod } from "./periods.js";
export { storageInvoices, type InvoiceSource, type InvoiceSourceContext, type InvoiceSourceRecords } from "./invoice-source.js";
export type {
  RecognitionFailure,
  RecognitionRun,
  RecognitionScheduleOperations,
  RecognizedPeriod,
  ScheduleRecognitionOptions,
} from "./recognition-schedule.js";
export {
  InvoiceNotFoundError,
  InvoiceStateError,
  LedgerAccountNotFoundError,
  LedgerAlreadyReversedError,
  LedgerBalanceAssertionError,
  LedgerBalanceOutOfRangeError,
  LedgerConcurrencyError,
  LedgerCurrencyMismatchError,
  LedgerDeferredOverdrawnError,
  LedgerIdempotencyConflictError,
  LedgerInvoiceSourceReadOnlyError,
  LedgerNormalBalanceViolationError,
  LedgerNothingDeferredError,
  LedgerRecognitionScheduledError,
  LedgerRevenueRecognizedError,
  LedgerScopeClosedError,
  LedgerTransactionManagedError,
  LedgerTransactionNotFoundError,
  LedgerUnbalancedError,
} from "./errors.js";
export type * from "./types.js";
