import { type Ledger, money } from "@atom/ledger";
import { z } from "zod";
import { parseRequest } from "./request.js";

const invoiceBody = z.object({
  customerId: z.string().min(1).max(64),
  amount: z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal string such as \"1200.00\""),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

/** `POST /invoices`: a service billed in advance: the invoice (DRAFT) and its deferral, Dr 1200-<cur> / Cr 2200-<cur>. */
export async function createInvoice(ledger: Ledger, body: unknown) {
  const input = parseRequest(invoiceBody, body, "body");
  const { amount } = money(input.amount, input.currency);
  const invoice = await ledger.createInvoice({ customerId: input.customerId, amount, currency: input.currency });
  await ledger.recordDeferral(invoice.id, { via: "receivable" });
  return { id: invoice.id, status: invoice.status, amount: input.amount, currency: input.currency };
}

/** `POST /invoices/:id/deliver`: the service was delivered; recognize the revenue (Dr 2200-<cur> / Cr 4000-<cur>), DRAFT → OPEN. */
export async function deliverInvoice(ledger: Ledger, id: string) {
  const { invoice, transaction, repeated } = await ledger.recognizeRevenue(id);
  return {
    id: invoice.id,
    status: invoice.status,
    repeated,
    entries: (transaction?.entries ?? []).map((e) => ({ account: e.account, side: e.side, amount: e.amount.toString(), currency: e.currency })),
  };
}

/** `GET /ledger/trial-balance`: per-currency accounts, amounts as strings (they are bigints). */
export async function trialBalance(ledger: Ledger) {
  const trial = await ledger.trialBalance();
  return {
    balanced: trial.balanced,
    rows: trial.rows.map((r) => ({ code: r.code, name: r.name, currency: r.currency, debit: r.debit.toString(), credit: r.credit.toString() })),
  };
}
