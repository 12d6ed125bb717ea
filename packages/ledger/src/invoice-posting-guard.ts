import type { PostingGuard } from "./core.js";
import { LedgerDeferredOverdrawnError } from "./errors.js";
import { subLedger } from "./invoice-ledger.js";
import { type InvoiceSource, readInvoice } from "./invoice-source.js";
import { isDeferredRevenueCode } from "./recognition-accounts.js";
import type { PostingEntry } from "./types.js";

/** What the entries draw from each deferred revenue account: Σ debits − Σ credits, where that is positive. */
function draws(entries: readonly PostingEntry[]): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const entry of entries) {
    if (!isDeferredRevenueCode(entry.account)) continue;
    net.set(entry.account, (net.get(entry.account) ?? 0n) + (entry.side === "debit" ? entry.amount : -entry.amount));
  }
  for (const [account, amount] of net) if (amount <= 0n) net.delete(account);
  return net;
}

/**
 * @internal The invoice's deferred sub-ledger never goes below zero, whoever posts: a posting linked to an invoice
 * of `source` that debits a deferred revenue account (a credit note, a reversal, a host's own adjustment) locks the
 * invoice, as `voidInvoice` and recognition do, so it is ordered with them, and is refused with
 * `LEDGER_DEFERRED_OVERDRAWN` when it would draw more than the invoice still holds there. A posting linked to an id
 * the source does not know is not limited: no deferral of the ledger's is linked to it.
 */
export function invoicePostingGuard(source: InvoiceSource): PostingGuard {
  return {
    applies: (sourceRef, entries) => sourceRef?.type === "invoice" && entries.some((e) => e.side === "debit" && isDeferredRevenueCode(e.account)),
    async check(tx, request) {
      const ref = request.sourceRef;
      if (ref?.type !== "invoice") return;
      const drawn = draws(request.entries);
      if (drawn.size === 0) return;
      if (!(await readInvoice(source, tx, ref.id, true))) return;
      const linked = await tx.transactionsBySource(ref);
      for (const [account, requested] of drawn) {
        const { outstanding } = subLedger(linked, account);
        if (requested > outstanding) {
          throw new LedgerDeferredOverdrawnError({ invoiceId: ref.id, account, outstanding: String(outstanding < 0n ? 0n : outstanding), requested: String(requested) });
        }
      }
    },
  };
}
