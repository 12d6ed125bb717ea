import { randomUUID } from "node:crypto";
import { AlreadyExistsError, parseInput } from "@atom/errors";
import type { z } from "zod";
import { InvoiceNotFoundError, InvoiceStateError, LedgerInvoiceSourceReadOnlyError, LedgerRecognitionScheduledError } from "./errors.js";
import { type InvoiceSource, readInvoice, sourceContext } from "./invoice-source.js";
import { invoiceSchema } from "./schemas.js";
import type { AccountType, Invoice, LedgerCallOptions, LedgerStorageTx, Transaction } from "./types.js";
import type { PostInput } from "./ledger.js";

/** The chart codes revenue recognition uses (created on first use in the invoice's currency). */
export const RECOGNITION_ACCOUNTS: {
  /** 1000 Cash (asset): debited by a deferral paid in advance. */
  readonly cash: RecognitionAccount;
  /** 1200 Accounts Receivable (asset): debited by a deferral billed in advance, and by revenue billed on delivery. */
  readonly receivable: RecognitionAccount;
  /** 2200 Deferred Revenue (liability): credited by deferrals, debited by recognition. */
  readonly deferredRevenue: RecognitionAccount;
  /** 4000 Service Revenue (revenue): credited by recognition. */
  readonly serviceRevenue: RecognitionAccount;
} = {
  cash: { code: "1000", name: "Cash", type: "asset" },
  receivable: { code: "1200", name: "Accounts Receivable", type: "asset" },
  deferredRevenue: { code: "2200", name: "Deferred Revenue", type: "liability" },
  serviceRevenue: { code: "4000", name: "Service Revenue", type: "revenue" },
};

/** One of the {@link RECOGNITION_ACCOUNTS}. */
export interface RecognitionAccount {
  /** The chart code. */
  readonly code: string;
  /** The account's name. */
  readonly name: string;
  /** The account's type. */
  readonly type: AccountType;
}

/** Input of {@link InvoiceOperations.createInvoice}. */
export type InvoiceInput = z.input<typeof invoiceSchema>;

/** What {@link InvoiceOperations.recognizeRevenue} and `recordDeferral` return. */
export interface InvoicePosting {
  /** The invoice after the call. */
  invoice: Invoice;
  /** The posted transaction, or `null` when there was nothing to post. */
  transaction: Transaction | null;
  /** True when an earlier call had already done it (nothing was posted now). */
  repeated: boolean;
}

/** Invoices and revenue recognition, on top of the ledger's storage transaction. */
export interface InvoiceOperations {
  /** Creates a DRAFT invoice. @throws AlreadyExistsError when the id is taken */
  createInvoice(input: InvoiceInput, options?: LedgerCallOptions): Promise<Invoice>;
  /** @throws InvoiceNotFoundError */
  getInvoice(id: string, options?: LedgerCallOptions): Promise<Invoice>;
  /** Marks an invoice VOID (DRAFT or OPEN only); recognition is then refused. */
  voidInvoice(id: string, options?: LedgerCallOptions): Promise<Invoice>;
  /**
   * Records a service billed or paid in advance: Dr 1200 Accounts Receivable (`via: "receivable"`) or Dr 1000 Cash
   * (`via: "cash"`), Cr 2200 Deferred Revenue, for the invoice amount. Once per invoice.
   */
  recordDeferral(invoiceId: string, options: { via: "receivable" | "cash" } & LedgerCallOptions): Promise<InvoicePosting>;
  /**
   * Recognizes the invoice's revenue in one storage transaction: **Dr 2200 Deferred Revenue / Cr 4000 Service
   * Revenue** for what was deferred and is still outstanding, Dr 1200 / Cr 4000 for any part never deferred, linked
   * to the invoice (`sourceRef: { type: "invoice", id }`), and the invoice moves DRAFT → OPEN. Idempotent: a second
   * call returns the first transaction and posts nothing.
   * @throws InvoiceNotFoundError (404), InvoiceStateError for a VOID invoice (409)
   */
  recognizeRevenue(invoiceId: string, options?: LedgerCallOptions): Promise<InvoicePosting>;
}

/** @internal The ledger's `withTransaction`, as the invoice and schedule operations use it. */
export type WithTransaction = <T>(
  fn: (tx: LedgerStorageTx, post: (input: PostInput) => Promise<Transaction>) => Promise<T>,
  options?: LedgerCallOptions,
) => Promise<T>;

/** @internal A recognition account's definition in a currency, for `autoCreate`. */
export function account(kind: keyof typeof RECOGNITION_ACCOUNTS, currency: string) {
  return { ...RECOGNITION_ACCOUNTS[kind], currency, allowNegative: false };
}

/**
 * What Deferred Revenue (2200) holds for an invoice, from the transactions linked to it: everything ever credited,
 * and what is still outstanding (credits minus debits).
 * @internal
 */
export async function deferredRevenueOf(tx: LedgerStorageTx, invoiceId: string): Promise<{ everDeferred: bigint; outstanding: bigint }> {
  let everDeferred = 0n;
  let outstanding = 0n;
  for (const transaction of await tx.transactionsBySource({ type: "invoice", id: invoiceId })) {
    for (const entry of transaction.entries) {
      if (entry.account !== RECOGNITION_ACCOUNTS.deferredRevenue.code) continue;
      if (entry.side === "credit") {
        everDeferred += entry.amount;
        outstanding += entry.amount;
      } else {
        outstanding -= entry.amount;
      }
    }
  }
  return { everDeferred, outstanding };
}

/** @internal Loads an invoice for a change, locked; unknown → 404, VOID → 409. */
export async function loadInvoice(source: InvoiceSource, tx: LedgerStorageTx, id: string, operation: string): Promise<Invoice> {
  const invoice = await readInvoice(source, tx, id, true);
  if (!invoice) throw new InvoiceNotFoundError({ invoiceId: id });
  if (invoice.status === "VOID") throw new InvoiceStateError({ invoiceId: id, status: invoice.status, operation });
  return invoice;
}

/** @internal Builds the invoice operations over a ledger's storage transaction. */
export function invoiceOperations(
  withTransaction: WithTransaction,
  clock: () => Date,
  isUniqueViolation: (error: unknown) => boolean,
  source: InvoiceSource,
): InvoiceOperations {
  return {
    async createInvoice(input, options) {
      const parsed = parseInput(invoiceSchema, input, "[@atom/ledger] createInvoice");
      const invoice: Invoice = {
        id: parsed.id ?? randomUUID(),
        customerId: parsed.customerId,
        amount: parsed.amount,
        currency: parsed.currency,
        status: "DRAFT",
        description: parsed.description,
        createdAt: clock(),
      };
      try {
        const insert = source.insertInvoice;
        if (!insert) throw new LedgerInvoiceSourceReadOnlyError();
        await withTransaction((tx) => insert.call(source, invoice, sourceContext(tx)), options);
      } catch (error) {
        if (isUniqueViolation(error)) throw new AlreadyExistsError({ resource: "invoice", key: { id: invoice.id }, cause: error });
        throw error;
      }
      return invoice;
    },
    getInvoice: (id, options) =>
      withTransaction(async (tx) => {
        const invoice = await readInvoice(source, tx, id, false);
        if (!invoice) throw new InvoiceNotFoundError({ invoiceId: id });
        return invoice;
      }, options),
    voidInvoice: (id, options) =>
      withTransaction(async (tx) => {
        const invoice = await loadInvoice(source, tx, id, "void");
        if (invoice.status === "PAID") throw new InvoiceStateError({ invoiceId: id, status: invoice.status, operation: "void" });
        if (await tx.getSchedule(id)) throw new LedgerRecognitionScheduledError({ invoiceId: id, operation: "void it" });
        await source.setInvoiceStatus(id, "VOID", sourceContext(tx));
        return { ...invoice, status: "VOID" };
      }, options),
    recordDeferral: (invoiceId, { via, client }) =>
      withTransaction(async (tx, post) => {
        const invoice = await loadInvoice(source, tx, invoiceId, "record a deferral");
        const key = `invoice:${invoiceId}:deferral`;
        const previous = await tx.findByIdempotencyKey(key);
        if (previous) return { invoice, transaction: previous, repeated: true };
        if (await tx.findByIdempotencyKey(`invoice:${invoiceId}:recognition`)) {
          throw new InvoiceStateError({ invoiceId, status: invoice.status, operation: "defer revenue already recognized" });
        }
        const debit = account(via === "cash" ? "cash" : "receivable", invoice.currency);
        const deferred = account("deferredRevenue", invoice.currency);
        const transaction = await post({
          description: `Deferred revenue for invoice ${invoiceId}`,
          idempotencyKey: key,
          sourceRef: { type: "invoice", id: invoiceId },
          entries: [
            { account: debit.code, side: "debit", amount: invoice.amount },
            { account: deferred.code, side: "credit", amount: invoice.amount },
          ],
          autoCreate: [debit, deferred],
        });
        return { invoice, transaction, repeated: false };
      }, { client }),
    recognizeRevenue: (invoiceId, options) =>
      withTransaction(async (tx, post) => {
        const invoice = await loadInvoice(source, tx, invoiceId, "recognize revenue");
        const key = `invoice:${invoiceId}:recognition`;
        const previous = await tx.findByIdempotencyKey(key);
        if (previous) return { invoice, transaction: previous, repeated: true };
        if (await tx.getSchedule(invoiceId)) throw new LedgerRecognitionScheduledError({ invoiceId, operation: "recognize it at once" });
        const deferredCode = RECOGNITION_ACCOUNTS.deferredRevenue.code;
        const { everDeferred, outstanding } = await deferredRevenueOf(tx, invoiceId);
        const neverDeferred = invoice.amount > everDeferred ? invoice.amount - everDeferred : 0n;
        const entries: PostInput["entries"] = [];
        if (outstanding > 0n) {
          entries.push({ account: deferredCode, side: "debit", amount: outstanding });
          entries.push({ account: RECOGNITION_ACCOUNTS.serviceRevenue.code, side: "credit", amount: outstanding });
        }
        if (neverDeferred > 0n) {
          entries.push({ account: RECOGNITION_ACCOUNTS.receivable.code, side: "debit", amount: neverDeferred });
          entries.push({ account: RECOGNITION_ACCOUNTS.serviceRevenue.code, side: "credit", amount: neverDeferred });
        }
        const transaction =
          entries.length === 0
            ? null
            : await post({
                description: `Revenue recognized for invoice ${invoiceId}`,
                idempotencyKey: key,
                sourceRef: { type: "invoice", id: invoiceId },
                entries,
                autoCreate: [
                  account("deferredRevenue", invoice.currency),
                  account("serviceRevenue", invoice.currency),
                  account("receivable", invoice.currency),
                ],
              });
        const status = invoice.status === "DRAFT" ? "OPEN" : invoice.status;
        if (status !== invoice.status) await source.setInvoiceStatus(invoiceId, status, sourceContext(tx));
        return { invoice: { ...invoice, status }, transaction, repeated: false };
      }, options),
  };
}
