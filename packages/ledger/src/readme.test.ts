import { describe, expect, it } from "vitest";
import { createLedger, memoryLedger, money, recognitionAccount } from "./index.js";

describe("README: multi-currency recognition", () => {
  it("books each invoice in its own currency's accounts", async () => {
    const ledger = createLedger({ storage: memoryLedger() });
    await ledger.createInvoice({ id: "us-1", customerId: "acme", amount: money("1200.00", "USD").amount, currency: "USD" });
    await ledger.createInvoice({ id: "jp-1", customerId: "tanaka", amount: money("5000", "JPY").amount, currency: "JPY" });
    await ledger.recordDeferral("us-1", { via: "receivable" });
    await ledger.recordDeferral("jp-1", { via: "cash" });
    await ledger.recognizeRevenue("us-1");
    await ledger.recognizeRevenue("jp-1");
    expect(await ledger.balance("4000-USD")).toBe(120_000n);
    expect(await ledger.balance("4000-JPY")).toBe(5_000n);
    expect(await ledger.balance("1000-JPY")).toBe(5_000n);
    expect((await ledger.trialBalance()).totals).toEqual({ JPY: { debit: 5_000n, credit: 5_000n }, USD: { debit: 120_000n, credit: 120_000n } });
    expect(recognitionAccount("deferredRevenue", "JPY")).toEqual({ code: "2200-JPY", name: "Deferred Revenue (JPY)", type: "liability", currency: "JPY", allowNegative: false });
  });
});
