/**
 * `@atom/ledger`: double-entry bookkeeping on integer minor units, with invoices and revenue recognition
 * (Dr 2200 Deferred Revenue / Cr 4000 Service Revenue).
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
 * await ledger.recordDeferral(invoice.id, { via: "receivable" }); // Dr 1200 / Cr 2200
 * await ledger.recognizeRevenue(invoice.id);                      // Dr 2200 / Cr 4000, DRAFT → OPEN
 * ```
 * @packageDocumentation
 */
export { createLedger, type AccountInput, type Ledger, type LedgerOptions, type PostInput, type Statement, type TrialBalance, type TrialBalanceRow } from "./ledger.js";
export { memoryLedger } from "./memory.js";
export { currencyExponent, formatMoney, MAX_AMOUNT, money, type Money } from "./money.js";
export { NORMAL_SIDE, balanceFromTotals, signedAmount } from "./accounting.js";
export {
  RECOGNITION_ACCOUNTS,
  type InvoiceInput,
  type InvoiceOperations,
  type InvoicePosting,
  type RecognitionAccount,
} from "./invoices.js";
export { MAX_PERIODS, type RecognitionPeriod } from "./periods.js";
export { storageInvoices, type InvoiceSource, type InvoiceSourceContext } from "./invoice-source.js";
export type {
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
  LedgerCurrencyMismatchError,
  LedgerIdempotencyConflictError,
  LedgerInvoiceSourceReadOnlyError,
  LedgerNormalBalanceViolationError,
  LedgerNothingDeferredError,
  LedgerRecognitionScheduledError,
  LedgerTransactionNotFoundError,
  LedgerUnbalancedError,
} from "./errors.js";
export type * from "./types.js";
