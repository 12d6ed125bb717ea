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

describe("README: ratable schedules", () => {
  it("catches up periods that ended before the schedule was made, effective when it was made, never before the deferral", async () => {
    const now = new Date("2026-12-01T12:00:00Z");
    const ledger = createLedger({ storage: memoryLedger(), clock: () => now });
    await ledger.createInvoice({ id: "sub-1", customerId: "c-1", amount: 100_000n, currency: "USD" });
    await ledger.recordDeferral("sub-1", { via: "receivable" });
    await ledger.scheduleRecognition("sub-1", { start: new Date("2026-01-31T00:00:00Z"), end: new Date("2026-04-30T00:00:00Z"), period: "month" });
    const { recognized, failed } = await ledger.runRecognition({ asOf: now });
    expect(failed).toEqual([]);
    expect(recognized.map((p) => [p.period, p.periodEnd.toISOString().slice(0, 10), p.amount, p.transaction.effectiveAt.toISOString()])).toEqual([
      [1, "2026-02-28", 33_333n, now.toISOString()],
      [2, "2026-03-31", 33_333n, now.toISOString()],
      [3, "2026-04-30", 33_334n, now.toISOString()],
    ]);
    expect(await ledger.balance("4000-USD")).toBe(100_000n);
    expect(await ledger.balance("2200-USD")).toBe(0n);
  });

  it("books a period that ends after the schedule was made at the period's end", async () => {
    let now = new Date("2026-01-15T00:00:00Z");
    const ledger = createLedger({ storage: memoryLedger(), clock: () => now });
    await ledger.createInvoice({ id: "sub-2", customerId: "c-1", amount: 2_000n, currency: "EUR" });
    await ledger.recordDeferral("sub-2", { via: "cash" });
    await ledger.scheduleRecognition("sub-2", { start: new Date("2026-01-31T00:00:00Z"), end: new Date("2026-03-31T00:00:00Z"), period: "month" });
    now = new Date("2026-04-02T00:00:00Z");
    const { recognized } = await ledger.runRecognition({ asOf: now });
    expect(recognized.map((p) => p.transaction.effectiveAt.toISOString().slice(0, 10))).toEqual(["2026-02-28", "2026-03-31"]);
  });
});
