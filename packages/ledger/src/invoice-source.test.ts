import { describe, expect, it } from "vitest";
import { createLedger, type Invoice, type InvoiceSource, memoryLedger } from "./index.js";

function billing(invoices: Invoice[]) {
  const rows = new Map(invoices.map((invoice) => [invoice.id, { ...invoice }]));
  const locks: string[] = [];
  let failStatus = false;
  const source: InvoiceSource = {
    async getInvoice(id, { lock }) {
      if (lock) locks.push(id);
      const row = rows.get(id);
      return row ? { ...row } : undefined;
    },
    async setInvoiceStatus(id, status) {
      if (failStatus) throw new Error("billing database down");
      (rows.get(id) as Invoice).status = status;
    },
  };
  return { source, rows, locks, failNextStatus: () => (failStatus = true) };
}

const invoice = (id: string, amount: bigint): Invoice => ({
  id,
  customerId: "c-1",
  amount,
  currency: "USD",
  status: "DRAFT",
  description: "Annual plan",
  createdAt: new Date("2026-01-01T00:00:00Z"),
});

describe("a custom InvoiceSource", () => {
  it("recognizes revenue for the host's invoices and records the status change in the host's store", async () => {
    const host = billing([invoice("bill-1", 12_000n)]);
    const ledger = createLedger({ storage: memoryLedger(), invoices: host.source });
    await ledger.recordDeferral("bill-1", { via: "receivable" });
    const { transaction, invoice: after } = await ledger.recognizeRevenue("bill-1");
    expect(transaction?.entries).toMatchObject([
      { account: "2200-USD", side: "debit", amount: 12_000n },
      { account: "4000-USD", side: "credit", amount: 12_000n },
    ]);
    expect(after.status).toBe("OPEN");
    expect(host.rows.get("bill-1")?.status).toBe("OPEN");
    expect(host.locks).toEqual(["bill-1", "bill-1"]);
    expect(await ledger.getInvoice("bill-1")).toMatchObject({ id: "bill-1", status: "OPEN" });
  });

  it("writes nothing when the host's store fails the status change", async () => {
    const host = billing([invoice("bill-2", 500n)]);
    const ledger = createLedger({ storage: memoryLedger(), invoices: host.source });
    await ledger.recordDeferral("bill-2", { via: "cash" });
    host.failNextStatus();
    await expect(ledger.recognizeRevenue("bill-2")).rejects.toThrow("billing database down");
    expect(await ledger.balance("2200-USD")).toBe(500n);
    expect(await ledger.transactionsBySource("invoice", "bill-2")).toHaveLength(1);
  });

  it("refuses createInvoice without insertInvoice, and malformed invoices from the source", async () => {
    const host = billing([{ ...invoice("bad", 1n), amount: -5n }]);
    const ledger = createLedger({ storage: memoryLedger(), invoices: host.source });
    await expect(ledger.createInvoice({ customerId: "c", amount: 1n, currency: "USD" })).rejects.toMatchObject({
      code: "LEDGER_INVOICE_SOURCE_READ_ONLY",
    });
    await expect(ledger.recognizeRevenue("bad")).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "amount" }),
    });
    await expect(ledger.recognizeRevenue("missing")).rejects.toMatchObject({ code: "INVOICE_NOT_FOUND" });
    expect(() => createLedger({ storage: memoryLedger(), invoices: {} as InvoiceSource })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "invoices" }) }),
    );
  });
});
