import { randomUUID } from "node:crypto";
import { AlreadyExistsError, parseInput } from "@atom/errors";
import { z } from "zod";
import type { PostInput, PostingCore } from "./core.js";
import {
  InvoiceNotFoundError,
  InvoiceStateError,
  LedgerInvoiceSourceReadOnlyError,
  LedgerRecognitionScheduledError,
  LedgerRevenueRecognizedError,
} from "./errors.js";
import { cancelDeferral, deferredBalance, invoiceKeys, loadInvoice } from "./invoice-ledger.js";
import { type InvoiceSource, readInvoice, sourceContext } from "./invoice-source.js";
import { recognitionAccount } from "./recognition-accounts.js";
import { invoiceIdSchema, invoiceSchema } from "./schemas.js";
import type { Invoice, LedgerCallOptions, Transaction } from "./types.js";

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

/** Invoices and revenue recognition, on top of the posting core. */
export interface InvoiceOperations {
  /** Creates a DRAFT invoice. @throws AlreadyExistsError when the id is taken */
  createInvoice(input: InvoiceInput, options?: LedgerCallOptions): Promise<Invoice>;
  /** @throws InvoiceNotFoundError */
  getInvoice(id: string, options?: LedgerCallOptions): Promise<Invoice>;
  /**
   * Marks a DRAFT or OPEN invoice VOID, cancelling in the same transaction what its deferred sub-ledger still
   * holds, never more: the exact reversal of its deferral (Dr 2200 / Cr 1200 or 1000, in the invoice's currency)
   * when all of it is left; after a credit note drew part of it, Dr 2200 / Cr the same account for the rest only;
   * nothing when nothing is left. Another invoice's deferred revenue is never touched.
   * @throws InvoiceStateError for a PAID or VOID invoice, LedgerRecognitionScheduledError for a scheduled one,
   *   LedgerRevenueRecognizedError once revenue is recognized (issue a credit note instead) — all 409, writing nothing
   */
  voidInvoice(id: string, options?: LedgerCallOptions): Promise<Invoice>;
  /**
   * Records a service billed or paid in advance, in the invoice's currency: Dr `1200-<cur>` Accounts Receivable
   * (`via: "receivable"`) or Dr `1000-<cur>` Cash (`via: "cash"`), Cr `2200-<cur>` Deferred Revenue, for the
   * invoice amount. Once per invoice; the accounts are created on first use. A repeat with the same `via` returns
   * the first deferral (`repeated: true`); one with the other `via` is refused (`INVOICE_STATE_INVALID`).
   * @throws ValidationError naming `via` for anything but `receivable` or `cash`; InvoiceStateError for the other `via`
   */
  recordDeferral(invoiceId: string, options: { via: "receivable" | "cash" } & LedgerCallOptions): Promise<InvoicePosting>;
  /**
   * Recognizes the invoice's revenue in one storage transaction, in its currency: **Dr `2200-<cur>` Deferred Revenue
   * / Cr `4000-<cur>` Service Revenue** for what its deferred sub-ledger still holds, Dr `1200-<cur>` / Cr
   * `4000-<cur>` for any part never deferred, linked to the invoice (`sourceRef: { type: "invoice", id }`); the
   * invoice moves DRAFT → OPEN. Idempotent: a second call returns the first transaction and posts nothing.
   * @throws InvoiceNotFoundError (404), InvoiceStateError for a VOID invoice (409)
   */
  recognizeRevenue(invoiceId: string, options?: LedgerCallOptions): Promise<InvoicePosting>;
}

const deferralOptions = z.strictObject({ via: z.enum(["receivable", "cash"]) });

/** The validated invoice id of a positional argument. @throws {ValidationError} naming `invoiceId` */
function invoiceIdArgument(id: unknown, operation: string): string {
  return parseInput(invoiceIdSchema, { invoiceId: id }, `[@atom/ledger] ${operation}`).invoiceId;
}

/** @internal Builds the invoice operations on the posting core. */
export function invoiceOperations(core: PostingCore, clock: () => Date, isUniqueViolation: (error: unknown) => boolean, source: InvoiceSource): InvoiceOperations {
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
      const insert = source.insertInvoice;
      if (!insert) throw new LedgerInvoiceSourceReadOnlyError();
      try {
        await core.managed((scope) => insert.call(source, invoice, sourceContext(scope.records)), options);
      } catch (error) {
        const cause = (error as { cause?: unknown } | null)?.cause;
        if (isUniqueViolation(error) || isUniqueViolation(cause)) throw new AlreadyExistsError({ resource: "invoice", key: { id: invoice.id } });
        throw error;
      }
      return invoice;
    },
    getInvoice: async (raw, options) => {
      const id = invoiceIdArgument(raw, "getInvoice");
      return core.managed(async (scope) => {
        const invoice = await readInvoice(source, scope.records, id, false);
        if (!invoice) throw new InvoiceNotFoundError({ invoiceId: id });
        return invoice;
      }, options);
    },
    voidInvoice: async (raw, options) => {
      const id = invoiceIdArgument(raw, "voidInvoice");
      return core.managed(async (scope) => {
        const invoice = await loadInvoice(source, scope, id, "void");
        if (invoice.status === "PAID") throw new InvoiceStateError({ invoiceId: id, status: invoice.status, operation: "void" });
        if (await scope.records.getSchedule(id)) throw new LedgerRecognitionScheduledError({ invoiceId: id, operation: "void it" });
        if (await scope.findManaged(invoiceKeys.recognition(id))) throw new LedgerRevenueRecognizedError({ invoiceId: id, operation: "void it" });
        const deferral = await scope.findManaged(invoiceKeys.deferral(id));
        if (deferral) await cancelDeferral(scope, invoice, deferral);
        await source.setInvoiceStatus(id, "VOID", sourceContext(scope.records));
        return { ...invoice, status: "VOID" as const };
      }, options);
    },
    async recordDeferral(raw, options) {
      const invoiceId = invoiceIdArgument(raw, "recordDeferral");
      const { client, ...rest }: Partial<typeof options> = options ?? {};
      const { via } = parseInput(deferralOptions, rest, "[@atom/ledger] recordDeferral");
      return core.managed(async (scope) => {
        const invoice = await loadInvoice(source, scope, invoiceId, "record a deferral");
        const debit = recognitionAccount(via, invoice.currency);
        const previous = await scope.findManaged(invoiceKeys.deferral(invoiceId));
        if (previous) {
          const debited = previous.entries.find((e) => e.side === "debit")?.account;
          if (debited === debit.code) return { invoice, transaction: previous, repeated: true };
          const other = via === "cash" ? "receivable" : "cash";
          throw new InvoiceStateError({ invoiceId, status: invoice.status, operation: `record a deferral via ${via}: its deferral was recorded via ${other}` });
        }
        if (await scope.findManaged(invoiceKeys.recognition(invoiceId))) {
          throw new InvoiceStateError({ invoiceId, status: invoice.status, operation: "defer revenue already recognized" });
        }
        const deferred = recognitionAccount("deferredRevenue", invoice.currency);
        for (const account of [debit, deferred]) await scope.createAccount(account);
        const { transaction } = await scope.postManaged(invoiceKeys.deferral(invoiceId), {
          description: `Deferred revenue for invoice ${invoiceId}`,
          sourceRef: { type: "invoice", id: invoiceId },
          entries: [
            { account: debit.code, side: "debit", amount: invoice.amount, currency: invoice.currency },
            { account: deferred.code, side: "credit", amount: invoice.amount, currency: invoice.currency },
          ],
        });
        return { invoice, transaction, repeated: false };
      }, client === undefined ? {} : { client });
    },
    recognizeRevenue: async (raw, options) => {
      const invoiceId = invoiceIdArgument(raw, "recognizeRevenue");
      return core.managed(async (scope) => {
        const invoice = await loadInvoice(source, scope, invoiceId, "recognize revenue");
        const previous = await scope.findManaged(invoiceKeys.recognition(invoiceId));
        if (previous) return { invoice, transaction: previous, repeated: true };
        if (await scope.records.getSchedule(invoiceId)) throw new LedgerRecognitionScheduledError({ invoiceId, operation: "recognize it at once" });
        const { everDeferred, outstanding } = await deferredBalance(scope, invoice);
        const neverDeferred = invoice.amount > everDeferred ? invoice.amount - everDeferred : 0n;
        const deferred = recognitionAccount("deferredRevenue", invoice.currency);
        const revenue = recognitionAccount("serviceRevenue", invoice.currency);
        const receivable = recognitionAccount("receivable", invoice.currency);
        const currency = invoice.currency;
        const entries: PostInput["entries"] = [];
        if (outstanding > 0n) {
          entries.push({ account: deferred.code, side: "debit", amount: outstanding, currency });
          entries.push({ account: revenue.code, side: "credit", amount: outstanding, currency });
        }
        if (neverDeferred > 0n) {
          entries.push({ account: receivable.code, side: "debit", amount: neverDeferred, currency });
          entries.push({ account: revenue.code, side: "credit", amount: neverDeferred, currency });
        }
        let transaction: Transaction | null = null;
        if (entries.length > 0) {
          for (const account of [deferred, revenue, receivable]) await scope.createAccount(account);
          ({ transaction } = await scope.postManaged(invoiceKeys.recognition(invoiceId), {
            description: `Revenue recognized for invoice ${invoiceId}`,
            sourceRef: { type: "invoice", id: invoiceId },
            entries,
          }));
        }
        const status = invoice.status === "DRAFT" ? "OPEN" : invoice.status;
        if (status !== invoice.status) await source.setInvoiceStatus(invoiceId, status, sourceContext(scope.records));
        return { invoice: { ...invoice, status }, transaction, repeated: false };
      }, options);
    },
  };
}
