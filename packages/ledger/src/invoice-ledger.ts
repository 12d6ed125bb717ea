import { InvoiceNotFoundError, InvoiceStateError } from "./errors.js";
import type { ManagedScope } from "./core.js";
import { type InvoiceSource, readInvoice } from "./invoice-source.js";
import { recognitionAccount } from "./recognition-accounts.js";
import type { Invoice, Transaction } from "./types.js";

/** @internal The keys the invoice operations post with, in the ledger's own namespace (never the caller's). */
export const invoiceKeys = {
  deferral: (id: string) => `invoice:${id}:deferral`,
  recognition: (id: string) => `invoice:${id}:recognition`,
  period: (id: string, period: number) => `invoice:${id}:recognition:${period}`,
  voiding: (id: string) => `invoice:${id}:void`,
};

/** @internal An invoice's deferred sub-ledger: what was credited to its deferred account, and what is left. */
export interface DeferredBalance {
  /** Σ credits to `2200-<currency>` linked to the invoice. */
  everDeferred: bigint;
  /** Σ credits − Σ debits: what recognition may still draw for this invoice. */
  outstanding: bigint;
}

/**
 * The invoice's deferred sub-ledger: the entries on its currency's deferred revenue account in transactions linked
 * to it (`sourceRef: { type: "invoice", id }`), whoever posted them. Recognition never draws more than `outstanding`,
 * so it can never take another invoice's deferred revenue.
 * @internal
 */
export async function deferredBalance(scope: ManagedScope, invoice: Invoice): Promise<DeferredBalance> {
  const deferred = recognitionAccount("deferredRevenue", invoice.currency).code;
  return subLedger(await scope.transactionsBySource("invoice", invoice.id), deferred);
}

/** @internal Σ credits, and Σ credits − Σ debits, on `account` over an invoice's linked transactions. */
export function subLedger(transactions: readonly Pick<Transaction, "entries">[], account: string): DeferredBalance {
  let everDeferred = 0n;
  let outstanding = 0n;
  for (const transaction of transactions) {
    for (const entry of transaction.entries) {
      if (entry.account !== account) continue;
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
export async function loadInvoice(source: InvoiceSource, scope: ManagedScope, id: string, operation: string): Promise<Invoice> {
  const invoice = await readInvoice(source, scope.records, id, true);
  if (!invoice) throw new InvoiceNotFoundError({ invoiceId: id });
  if (invoice.status === "VOID") throw new InvoiceStateError({ invoiceId: id, status: invoice.status, operation });
  return invoice;
}

/**
 * Cancels what a voided invoice still has deferred, never more: the exact reversal of its deferral when its
 * sub-ledger still holds all of it; after a credit note (or anything else posted with its `sourceRef`) drew part of
 * it, Dr `2200-<cur>` / Cr the deferral's debit account for the rest only; nothing once nothing is left. The shared
 * deferred revenue account then keeps every other invoice's part.
 * @internal
 */
export async function cancelDeferral(scope: ManagedScope, invoice: Invoice, deferral: Transaction): Promise<void> {
  const deferredCode = recognitionAccount("deferredRevenue", invoice.currency).code;
  const deferred = deferral.entries.find((e) => e.side === "credit" && e.account === deferredCode);
  const debited = deferral.entries.find((e) => e.side === "debit");
  if (!deferred || !debited) return;
  const { outstanding } = await deferredBalance(scope, invoice);
  if (outstanding >= deferred.amount) {
    await scope.reverseManaged(deferral.id, `invoice ${invoice.id} voided`);
    return;
  }
  if (outstanding <= 0n) return;
  await scope.postManaged(invoiceKeys.voiding(invoice.id), {
    description: `Invoice ${invoice.id} voided: the deferred revenue it still holds`,
    sourceRef: { type: "invoice", id: invoice.id },
    entries: [
      { account: deferredCode, side: "debit", amount: outstanding, currency: invoice.currency },
      { account: debited.account, side: "credit", amount: outstanding, currency: invoice.currency },
    ],
  });
}
