import { describe, expect, it } from "vitest";
import { createLedger, type Ledger } from "../ledger.js";
import type { LedgerStorage } from "../types.js";
import { boundaryCases } from "./boundary-cases.js";
import { faultCases } from "./fault-cases.js";
import { scheduleCases } from "./schedule-cases.js";
import { scopeLifetimeCases } from "./scope-lifetime-cases.js";

/** Options of {@link runLedgerStorageConformance}. */
export interface LedgerConformanceOptions {
  /** Suite name, e.g. `"postgres"`. */
  name: string;
  /** A fresh, empty storage for each test. */
  create: () => LedgerStorage | Promise<LedgerStorage>;
}

const USD = "USD";

async function chart(ledger: Ledger) {
  await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: USD });
  await ledger.createAccount({ code: "3000", name: "Capital", type: "equity", currency: USD });
  await ledger.createAccount({ code: "5000", name: "Expenses", type: "expense", currency: USD });
  await ledger.createAccount({ code: "1100", name: "Euro cash", type: "asset", currency: "EUR" });
}

const invest = (amount: bigint, extra: Record<string, unknown> = {}) => ({
  description: "Owner investment",
  entries: [
    { account: "1000", side: "debit" as const, amount },
    { account: "3000", side: "credit" as const, amount },
  ],
  ...extra,
});

/**
 * Registers the vitest tests every ledger storage must pass: balances, validation, idempotency, reversals,
 * statements, revenue recognition and ratable schedules, concurrency. A custom storage's test file:
 *
 * ```ts
 * import { runLedgerStorageConformance } from "@atom/ledger/testing";
 * runLedgerStorageConformance({ name: "my storage", create: () => myStorage() });
 * ```
 */
export function runLedgerStorageConformance(options: LedgerConformanceOptions): void {
  const fresh = async (clock?: () => Date) => {
    const ledger = createLedger({ storage: await options.create(), ...(clock ? { clock } : {}) });
    await chart(ledger);
    return ledger;
  };

  describe(`ledger storage conformance: ${options.name}`, () => {
    it("posts a balanced transaction and keeps balances on the normal side", async () => {
      const ledger = await fresh();
      const tx = await ledger.post(invest(50_000n));
      expect(tx.entries).toHaveLength(2);
      expect(await ledger.balance("1000")).toBe(50_000n);
      expect(await ledger.balance("3000")).toBe(50_000n);
      await ledger.post({
        description: "Rent",
        entries: [
          { account: "5000", side: "debit", amount: 1_250n },
          { account: "1000", side: "credit", amount: 1_250n },
        ],
      });
      expect(await ledger.balance("1000")).toBe(48_750n);
      const trial = await ledger.trialBalance();
      expect(trial.balanced).toBe(true);
      expect(trial.totals.USD).toEqual({ debit: 50_000n, credit: 50_000n });
    });

    it("refuses an unbalanced posting and writes nothing", async () => {
      const ledger = await fresh();
      await expect(
        ledger.post({ description: "bad", entries: [{ account: "1000", side: "debit", amount: 10n }, { account: "3000", side: "credit", amount: 9n }] }),
      ).rejects.toMatchObject({ code: "LEDGER_UNBALANCED", message: "[@atom/ledger] USD debits (10) do not equal credits (9)" });
      expect(await ledger.balance("1000")).toBe(0n);
      expect((await ledger.statement("1000")).lines).toHaveLength(0);
    });

    it("names the missing account and the entry", async () => {
      const ledger = await fresh();
      await expect(
        ledger.post({ description: "x", entries: [{ account: "1000", side: "debit", amount: 5n }, { account: "9999", side: "credit", amount: 5n }] }),
      ).rejects.toMatchObject({ code: "LEDGER_ACCOUNT_NOT_FOUND", details: { account: "9999", entry: 1 } });
    });

    it("refuses entries in another currency than their account", async () => {
      const ledger = await fresh();
      await expect(
        ledger.post({ description: "x", entries: [{ account: "1000", side: "debit", amount: 5n, currency: "EUR" }, { account: "3000", side: "credit", amount: 5n }] }),
      ).rejects.toMatchObject({ code: "LEDGER_CURRENCY_MISMATCH", details: { entry: 0, account: "1000", expected: "USD", actual: "EUR" } });
      await expect(
        ledger.post({ description: "x", entries: [{ account: "1100", side: "debit", amount: 5n }, { account: "3000", side: "credit", amount: 5n }] }),
      ).rejects.toMatchObject({ code: "LEDGER_UNBALANCED" });
    });

    it("guards the normal balance unless the account allows negatives", async () => {
      const ledger = await fresh();
      await ledger.post(invest(100n));
      const overdraw = { description: "too much", entries: [{ account: "5000", side: "debit" as const, amount: 150n }, { account: "1000", side: "credit" as const, amount: 150n }] };
      await expect(ledger.post(overdraw)).rejects.toMatchObject({
        code: "LEDGER_NORMAL_BALANCE_VIOLATION",
        details: { account: "1000", entry: 1, balance: "-50" },
      });
      expect(await ledger.balance("1000")).toBe(100n);
      expect(await ledger.balance("5000")).toBe(0n);
      await ledger.createAccount({ code: "1010", name: "Overdraft", type: "asset", currency: USD, allowNegative: true });
      await ledger.post({ description: "ok", entries: [{ account: "5000", side: "debit", amount: 150n }, { account: "1010", side: "credit", amount: 150n }] });
      expect(await ledger.balance("1010")).toBe(-150n);
      expect((await ledger.trialBalance()).balanced).toBe(true);
    });

    it.each([
      [{ description: "x", entries: [{ account: "1000", side: "debit", amount: 5n }] }, "entries"],
      [{ description: "x", entries: [{ account: "1000", side: "debit", amount: 0n }, { account: "3000", side: "credit", amount: 0n }] }, "entries.0.amount"],
      [{ description: "x", entries: [{ account: "1000", side: "debit", amount: 5 }, { account: "3000", side: "credit", amount: 5n }] }, "entries.0.amount"],
      [{ description: "", entries: [{ account: "1000", side: "debit", amount: 5n }, { account: "3000", side: "credit", amount: 5n }] }, "description"],
      [{ description: "x", entries: [{ account: "1000", side: "left", amount: 5n }, { account: "3000", side: "credit", amount: 5n }] }, "entries.0.side"],
    ])("refuses malformed input with VALIDATION_ERROR naming %#", async (input, field) => {
      const ledger = await fresh();
      await expect(ledger.post(input as never)).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field } });
    });

    it("returns the original transaction for a repeated idempotency key, and refuses other content", async () => {
      const ledger = await fresh();
      const first = await ledger.post(invest(700n, { idempotencyKey: "deposit-1" }));
      const again = await ledger.post(invest(700n, { idempotencyKey: "deposit-1" }));
      expect(again.id).toBe(first.id);
      expect(await ledger.balance("1000")).toBe(700n);
      await expect(ledger.post(invest(701n, { idempotencyKey: "deposit-1" }))).rejects.toMatchObject({
        code: "LEDGER_IDEMPOTENCY_CONFLICT",
        status: 409,
        details: { idempotencyKey: "deposit-1", transactionId: first.id },
      });
    });

    it("posts one transaction when the same key is posted concurrently", async () => {
      const ledger = await fresh();
      const results = await Promise.all(Array.from({ length: 10 }, () => ledger.post(invest(5n, { idempotencyKey: "race" }))));
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(await ledger.balance("1000")).toBe(5n);
    });

    it("reverses a transaction once, linked to the original", async () => {
      const ledger = await fresh();
      const original = await ledger.post(invest(300n, { sourceRef: { type: "order", id: "o-1" } }));
      const reversal = await ledger.reverse(original.id, { reason: "duplicate" });
      expect(reversal.reverses).toBe(original.id);
      expect(reversal.entries.map((e) => [e.account, e.side])).toEqual([["1000", "credit"], ["3000", "debit"]]);
      expect(await ledger.balance("1000")).toBe(0n);
      await expect(ledger.reverse(original.id, { reason: "again" })).rejects.toMatchObject({ code: "LEDGER_ALREADY_REVERSED" });
      await expect(ledger.reverse(reversal.id, { reason: "undo" })).rejects.toMatchObject({ code: "LEDGER_ALREADY_REVERSED" });
      await expect(ledger.reverse("00000000-0000-4000-8000-000000000000", { reason: "x" })).rejects.toMatchObject({ code: "LEDGER_TRANSACTION_NOT_FOUND" });
      expect((await ledger.transactionsBySource("order", "o-1")).map((t) => t.id).sort()).toEqual([original.id, reversal.id].sort());
    });

    it("answers balances as of a time, statements with running balances across pages, and balance assertions", async () => {
      let now = new Date("2026-01-01T00:00:00Z");
      const ledger = await fresh(() => now);
      for (let day = 1; day <= 5; day++) {
        now = new Date(`2026-01-0${day}T12:00:00Z`);
        await ledger.post(invest(BigInt(day * 100)));
      }
      expect(await ledger.balance("1000", { asOf: new Date("2026-01-03T23:59:59Z") })).toBe(600n);
      const page1 = await ledger.statement("1000", { limit: 2 });
      expect(page1.lines.map((l) => l.balance)).toEqual([100n, 300n]);
      const page2 = await ledger.statement("1000", { limit: 2, cursor: page1.nextCursor ?? "" });
      expect(page2.lines.map((l) => l.balance)).toEqual([600n, 1000n]);
      const page3 = await ledger.statement("1000", { limit: 2, cursor: page2.nextCursor ?? "" });
      expect(page3.lines.map((l) => l.balance)).toEqual([1500n]);
      expect(page3.nextCursor).toBeNull();
      await ledger.assertBalance("1000", 1500n);
      await expect(ledger.assertBalance("1000", 1000n, { asOf: new Date("2026-01-03T23:59:59Z") })).rejects.toMatchObject({
        code: "LEDGER_BALANCE_ASSERTION_FAILED",
        details: { account: "1000", expected: "1000", actual: "600" },
      });
      await expect(ledger.statement("1000", { cursor: "garbage" })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "cursor" } });
    });

    it("recognizes deferred revenue with Dr 2200 Deferred Revenue / Cr 4000 Service Revenue, once", async () => {
      const ledger = await fresh();
      const invoice = await ledger.createInvoice({ id: "inv-1", customerId: "c-1", amount: 120_000n, currency: USD });
      expect(invoice.status).toBe("DRAFT");
      await ledger.recordDeferral("inv-1", { via: "receivable" });
      expect(await ledger.balance("2200-USD")).toBe(120_000n);
      const first = await ledger.recognizeRevenue("inv-1");
      expect(first.invoice.status).toBe("OPEN");
      expect(first.transaction?.entries.map((e) => [e.account, e.side, e.amount])).toEqual([
        ["2200-USD", "debit", 120_000n],
        ["4000-USD", "credit", 120_000n],
      ]);
      expect(await ledger.balance("2200-USD")).toBe(0n);
      expect(await ledger.balance("4000-USD")).toBe(120_000n);
      expect(await ledger.balance("1200-USD")).toBe(120_000n);
      const second = await ledger.recognizeRevenue("inv-1");
      expect(second).toMatchObject({ repeated: true, transaction: { id: first.transaction?.id } });
      expect(await ledger.balance("4000-USD")).toBe(120_000n);
      expect((await ledger.getInvoice("inv-1")).status).toBe("OPEN");
      expect((await ledger.trialBalance()).balanced).toBe(true);
    });

    it("recognizes a never-deferred invoice as Dr 1200 / Cr 4000, refuses VOID and unknown invoices", async () => {
      const ledger = await fresh();
      await ledger.createInvoice({ id: "inv-2", customerId: "c-1", amount: 5_000n, currency: USD });
      const posted = await ledger.recognizeRevenue("inv-2");
      expect(posted.transaction?.entries.map((e) => [e.account, e.side, e.amount])).toEqual([
        ["1200-USD", "debit", 5_000n],
        ["4000-USD", "credit", 5_000n],
      ]);
      await ledger.createInvoice({ id: "inv-3", customerId: "c-1", amount: 5_000n, currency: USD });
      await ledger.voidInvoice("inv-3");
      await expect(ledger.recognizeRevenue("inv-3")).rejects.toMatchObject({ code: "INVOICE_STATE_INVALID", status: 409 });
      await expect(ledger.recognizeRevenue("nope")).rejects.toMatchObject({ code: "INVOICE_NOT_FOUND", status: 404, message: "Invoice not found (ID: nope)" });
      await expect(ledger.createInvoice({ id: "inv-2", customerId: "c", amount: 1n, currency: USD })).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
      expect(await ledger.balance("4000-USD")).toBe(5_000n);
    });

    scheduleCases((clock) => fresh(clock));
    faultCases((clock) => fresh(clock));
    boundaryCases((clock) => fresh(clock));
    scopeLifetimeCases((clock) => fresh(clock));

    it("keeps balances equal to the sum of entries under concurrent writers", async () => {
      const ledger = await fresh();
      await ledger.post(invest(1_000_000n));
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          ledger.post({
            description: `expense ${i}`,
            entries: [
              { account: "5000", side: "debit", amount: BigInt(i + 1) },
              { account: "1000", side: "credit", amount: BigInt(i + 1) },
            ],
          }),
        ),
      );
      const cash = await ledger.balance("1000");
      expect(await ledger.balance("5000")).toBe(820n);
      expect(cash).toBe(1_000_000n - 820n);
      const statement = await ledger.statement("1000", { limit: 1000 });
      expect(statement.lines.at(-1)?.balance).toBe(cash);
      expect((await ledger.trialBalance()).balanced).toBe(true);
    });
  });
}
