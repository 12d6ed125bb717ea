import { parseInput } from "@atom/errors";
import { invoiceRecordSchema } from "./schemas.js";
import type { Invoice, InvoiceRecords, InvoiceStatus, LedgerConnection } from "./types.js";

/** The storage side an `InvoiceSource` call runs in: the ledger's invoice table and, for SQL storages, a query function. */
export interface InvoiceSourceRecords extends InvoiceRecords {
  /** A query function inside the storage transaction (Postgres); absent for storages without SQL. */
  connection?: LedgerConnection | undefined;
}

/** What an {@link InvoiceSource} gets with every call: the ledger's open storage transaction. */
export interface InvoiceSourceContext {
  /** The ledger's own invoice table inside the call's storage transaction (no posting or balance operations). */
  tx: InvoiceRecords;
  /**
   * A query function inside that transaction (Postgres storage), so your invoice table is read and updated
   * atomically with the postings; `undefined` for storages without SQL (memory).
   */
  connection: LedgerConnection | undefined;
}

/**
 * Where the ledger reads invoices and records their status changes. The default is the ledger's own invoice table
 * (`createInvoice` and friends). Plug your own to keep invoices in your billing tables: `recognizeRevenue`,
 * `recordDeferral`, `scheduleRecognition` and `voidInvoice` then read and update them inside the ledger's
 * transaction.
 */
export interface InvoiceSource {
  /** The invoice, or `undefined`. With `lock: true` (a status change may follow), lock it until the transaction ends. */
  getInvoice(id: string, options: { lock: boolean }, context: InvoiceSourceContext): Promise<Invoice | undefined>;
  /** Records a status change (DRAFT → OPEN, → VOID), inside the ledger's transaction. */
  setInvoiceStatus(id: string, status: InvoiceStatus, context: InvoiceSourceContext): Promise<void>;
  /**
   * Stores an invoice made by `ledger.createInvoice`; leave it out when your application creates invoices
   * (`createInvoice` then fails with `LEDGER_INVOICE_SOURCE_READ_ONLY`). A taken id must throw the storage's
   * unique violation.
   */
  insertInvoice?(invoice: Invoice, context: InvoiceSourceContext): Promise<void>;
}

/** The ledger's own invoice table, through its storage. */
export const storageInvoices: InvoiceSource = {
  getInvoice: (id, options, { tx }) => tx.getInvoice(id, options),
  setInvoiceStatus: (id, status, { tx }) => tx.setInvoiceStatus(id, status),
  insertInvoice: (invoice, { tx }) => tx.insertInvoice(invoice),
};

/** @internal The context handed to an {@link InvoiceSource} for calls inside `tx`. */
export function sourceContext(records: InvoiceSourceRecords): InvoiceSourceContext {
  return {
    tx: { getInvoice: (id, options) => records.getInvoice(id, options), insertInvoice: (invoice) => records.insertInvoice(invoice), setInvoiceStatus: (id, status) => records.setInvoiceStatus(id, status) },
    connection: records.connection,
  };
}

/**
 * Reads an invoice through a source, checking what a custom source returns before the ledger posts from it.
 * @throws {ValidationError} naming the field when the source returns a malformed invoice
 * @internal
 */
export async function readInvoice(source: InvoiceSource, records: InvoiceSourceRecords, id: string, lock: boolean): Promise<Invoice | undefined> {
  const raw = await source.getInvoice(id, { lock }, sourceContext(records));
  if (raw === undefined) return undefined;
  return parseInput(invoiceRecordSchema, raw, "[@atom/ledger] invoice source getInvoice");
}
