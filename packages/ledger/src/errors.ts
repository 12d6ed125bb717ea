import { defineError } from "@atom/errors";
import { z } from "zod";

/** `LEDGER_UNBALANCED` (400): debits and credits differ for a currency. */
export const LedgerUnbalancedError = defineError({
  code: "LEDGER_UNBALANCED",
  status: 400,
  message: (d) => `[@atom/ledger] ${d.currency} debits (${d.debits}) do not equal credits (${d.credits})`,
  details: z.object({
    /** The currency that does not balance. */
    currency: z.string(),
    /** Σ debits, in minor units. */
    debits: z.string(),
    /** Σ credits, in minor units. */
    credits: z.string(),
  }),
});

/** `LEDGER_ACCOUNT_NOT_FOUND` (404): an entry names an account that does not exist. */
export const LedgerAccountNotFoundError = defineError({
  code: "LEDGER_ACCOUNT_NOT_FOUND",
  status: 404,
  message: (d) => `[@atom/ledger] account ${d.account} does not exist${d.entry === undefined ? "" : ` (entries.${d.entry})`}`,
  details: z.object({
    /** The account's code. */
    account: z.string(),
    /** The index of the offending entry in `entries`. */
    entry: z.number().int().optional(),
  }),
});

/** `LEDGER_CURRENCY_MISMATCH` (400): an entry's currency differs from its account's. */
export const LedgerCurrencyMismatchError = defineError({
  code: "LEDGER_CURRENCY_MISMATCH",
  status: 400,
  message: (d) => `[@atom/ledger] entries.${d.entry}: account ${d.account} is in ${d.expected}, not ${d.actual}`,
  details: z.object({
    /** The index of the offending entry in `entries`. */
    entry: z.number().int(),
    /** The account's code. */
    account: z.string(),
    /** What was expected. */
    expected: z.string(),
    /** What was found. */
    actual: z.string(),
  }),
});

/** `LEDGER_NORMAL_BALANCE_VIOLATION` (409): the posting would push an account past zero against its normal side. */
export const LedgerNormalBalanceViolationError = defineError({
  code: "LEDGER_NORMAL_BALANCE_VIOLATION",
  status: 409,
  message: (d) => `[@atom/ledger] account ${d.account} would go to ${d.balance} (entries.${d.entry}); it does not allow negative balances`,
  details: z.object({
    /** The account's code. */
    account: z.string(),
    /** The index of the offending entry in `entries`. */
    entry: z.number().int(),
    /** The balance the posting would leave. */
    balance: z.string(),
  }),
});

/** `LEDGER_IDEMPOTENCY_CONFLICT` (409): an idempotency key was reused with different content. */
export const LedgerIdempotencyConflictError = defineError({
  code: "LEDGER_IDEMPOTENCY_CONFLICT",
  status: 409,
  message: (d) => `[@atom/ledger] idempotency key ${JSON.stringify(d.idempotencyKey)} was used for a different posting`,
  details: z.object({
    /** The reused key. */
    idempotencyKey: z.string(),
    /** The transaction. */
    transactionId: z.string(),
  }),
});

/** `LEDGER_TRANSACTION_NOT_FOUND` (404). */
export const LedgerTransactionNotFoundError = defineError({
  code: "LEDGER_TRANSACTION_NOT_FOUND",
  status: 404,
  message: (d) => `[@atom/ledger] transaction ${d.transactionId} does not exist`,
  details: z.object({
    /** The transaction. */
    transactionId: z.string(),
  }),
});

/** `LEDGER_ALREADY_REVERSED` (409): a transaction can be reversed once; reversals cannot be reversed. */
export const LedgerAlreadyReversedError = defineError({
  code: "LEDGER_ALREADY_REVERSED",
  status: 409,
  message: (d) => `[@atom/ledger] transaction ${d.transactionId} ${d.reason}`,
  details: z.object({
    /** The transaction. */
    transactionId: z.string(),
    /** Why it cannot be reversed. */
    reason: z.string(),
  }),
});

/** `LEDGER_BALANCE_ASSERTION_FAILED` (409): `assertBalance` found another balance. */
export const LedgerBalanceAssertionError = defineError({
  code: "LEDGER_BALANCE_ASSERTION_FAILED",
  status: 409,
  message: (d) => `[@atom/ledger] account ${d.account} balance is ${d.actual}, expected ${d.expected}`,
  details: z.object({
    /** The account's code. */
    account: z.string(),
    /** What was expected. */
    expected: z.string(),
    /** What was found. */
    actual: z.string(),
    /** The time the balance was taken at (ISO-8601). */
    asOf: z.string().optional(),
  }),
});

/** `INVOICE_NOT_FOUND` (404). */
export const InvoiceNotFoundError = defineError({
  code: "INVOICE_NOT_FOUND",
  status: 404,
  message: (d) => `Invoice not found (ID: ${d.invoiceId})`,
  details: z.object({
    /** The invoice. */
    invoiceId: z.string(),
  }),
});

/** `INVOICE_STATE_INVALID` (409): the invoice's status does not allow the operation (e.g. a VOID invoice). */
export const InvoiceStateError = defineError({
  code: "INVOICE_STATE_INVALID",
  status: 409,
  message: (d) => `[@atom/ledger] invoice ${d.invoiceId} is ${d.status}; cannot ${d.operation}`,
  details: z.object({
    /** The invoice. */
    invoiceId: z.string(),
    /** The invoice's status. */
    status: z.string(),
    /** What was attempted. */
    operation: z.string(),
  }),
});

/** `LEDGER_NOTHING_DEFERRED` (409): a schedule needs a deferred amount, and the invoice has none outstanding. */
export const LedgerNothingDeferredError = defineError({
  code: "LEDGER_NOTHING_DEFERRED",
  status: 409,
  message: (d) => `[@atom/ledger] invoice ${d.invoiceId} has no deferred revenue outstanding to schedule (record a deferral first)`,
  details: z.object({
    /** The invoice. */
    invoiceId: z.string(),
  }),
});

/**
 * `LEDGER_DEFERRED_OVERDRAWN` (409): a posting linked to an invoice (`sourceRef: { type: "invoice", id }`) would debit
 * its deferred revenue account by more than the invoice's deferred sub-ledger still holds, taking other invoices'
 * deferred revenue. Nothing was written.
 */
export const LedgerDeferredOverdrawnError = defineError({
  code: "LEDGER_DEFERRED_OVERDRAWN",
  status: 409,
  message: (d) =>
    `[@atom/ledger] invoice ${d.invoiceId} holds ${d.outstanding} on ${d.account}; a posting linked to it may not draw ${d.requested} (that would take other invoices' deferred revenue)`,
  details: z.object({
    /** The invoice the posting is linked to. */
    invoiceId: z.string(),
    /** The deferred revenue account drawn on (`2200-<currency>`). */
    account: z.string(),
    /** What the invoice's sub-ledger still holds on it, in minor units. */
    outstanding: z.string(),
    /** What the posting would draw (debits less credits on it), in minor units. */
    requested: z.string(),
  }),
});

/**
 * `LEDGER_RECOGNITION_SCHEDULED` (409): the invoice's revenue is recognized by its schedule, so it cannot be
 * scheduled again, recognized at once, or voided.
 */
export const LedgerRecognitionScheduledError = defineError({
  code: "LEDGER_RECOGNITION_SCHEDULED",
  status: 409,
  message: (d) => `[@atom/ledger] invoice ${d.invoiceId} is recognized by a schedule; cannot ${d.operation}`,
  details: z.object({
    /** The invoice. */
    invoiceId: z.string(),
    /** What was attempted. */
    operation: z.string(),
  }),
});

/** `LEDGER_INVOICE_SOURCE_READ_ONLY` (405): the ledger's `InvoiceSource` has no `insertInvoice`; invoices are created by the host. */
export const LedgerInvoiceSourceReadOnlyError = defineError({
  code: "LEDGER_INVOICE_SOURCE_READ_ONLY",
  status: 405,
  message: () => "[@atom/ledger] createInvoice: this ledger's invoice source does not create invoices (no insertInvoice)",
});

/**
 * `LEDGER_TRANSACTION_MANAGED` (409): the transaction was posted by the ledger's invoice operations (a deferral or
 * a recognition) and is part of that invoice's deferred sub-ledger; `reverse` refuses it. Void the invoice instead.
 */
export const LedgerTransactionManagedError = defineError({
  code: "LEDGER_TRANSACTION_MANAGED",
  status: 409,
  message: (d) => `[@atom/ledger] transaction ${d.transactionId} was posted for invoice ${d.invoiceId}; use voidInvoice, not reverse`,
  details: z.object({
    /** The transaction. */
    transactionId: z.string(),
    /** The invoice it records. */
    invoiceId: z.string(),
  }),
});

/** `LEDGER_REVENUE_RECOGNIZED` (409): revenue of the invoice was recognized, so it cannot be voided. */
export const LedgerRevenueRecognizedError = defineError({
  code: "LEDGER_REVENUE_RECOGNIZED",
  status: 409,
  message: (d) => `[@atom/ledger] invoice ${d.invoiceId} has recognized revenue; cannot ${d.operation}`,
  details: z.object({
    /** The invoice. */
    invoiceId: z.string(),
    /** What was attempted. */
    operation: z.string(),
  }),
});

/** `LEDGER_BALANCE_OUT_OF_RANGE` (409): the posting would take a balance past ±(2^63 − 1) minor units. */
export const LedgerBalanceOutOfRangeError = defineError({
  code: "LEDGER_BALANCE_OUT_OF_RANGE",
  status: 409,
  message: (d) => `[@atom/ledger] ${d.account === undefined ? "a balance" : `account ${d.account}`} would pass the largest storable balance (2^63 - 1 minor units)`,
  details: z.object({
    /** The account's code, when known. */
    account: z.string().optional(),
  }),
});

/**
 * `LEDGER_CONCURRENCY_CONFLICT` (409): the database aborted the work because of a concurrent transaction (a
 * serialization failure or a deadlock) and retrying did not help, or it ran in your transaction, which the ledger
 * cannot retry. Nothing was written; run it again.
 */
export const LedgerConcurrencyError = defineError({
  code: "LEDGER_CONCURRENCY_CONFLICT",
  status: 409,
  message: () => "[@atom/ledger] a concurrent transaction conflicted with this one; nothing was written, retry it",
});

/**
 * `LEDGER_IMMUTABLE` (409): SQL tried to update or delete a posted entry or transaction, change an account's code,
 * type or currency, or set a balance directly; the database's triggers refuse it. Correct a posting by reversing it.
 */
export const LedgerImmutableError = defineError({
  code: "LEDGER_IMMUTABLE",
  status: 409,
  message: () => "[@atom/ledger] posted entries and transactions are append-only, and balances change only by posting",
});

/**
 * `LEDGER_SCOPE_CLOSED` (500): a `withTransaction` scope was used after its callback returned (or threw). The
 * transaction has committed or rolled back by then, so the call would write outside it; it is refused and writes
 * nothing. Use the scope only inside the callback, and await its calls there.
 */
export const LedgerScopeClosedError = defineError({
  code: "LEDGER_SCOPE_CLOSED",
  status: 500,
  message: () =>
    "[@atom/ledger] withTransaction: the scope was used after its callback returned and its transaction ended; " +
    "nothing was written (use the scope only inside the callback, and await its calls)",
});
