import { expect, it } from "vitest";
import type { Ledger } from "../ledger.js";

const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);
const MAX = 2n ** 63n - 1n;

/**
 * Cases for the faults of issue 16: currencies, the per-invoice deferred sub-ledger, void/reverse rules, first-use
 * races, the idempotency namespace, and bad input that must be a typed error. Every storage runs them.
 * @internal
 */
export function faultCases(fresh: (clock?: () => Date) => Promise<Ledger>): void {
  it("recognizes each invoice in its own currency, on per-currency accounts", async () => {
    const ledger = await fresh();
    await ledger.createInvoice({ id: "usd-1", customerId: "c-1", amount: 10_000n, currency: "USD" });
    await ledger.recognizeRevenue("usd-1");
    await ledger.createInvoice({ id: "jpy-1", customerId: "c-2", amount: 5_000n, currency: "JPY" });
    await ledger.recordDeferral("jpy-1", { via: "receivable" });
    const { transaction } = await ledger.recognizeRevenue("jpy-1");
    expect(transaction?.entries).toEqual([
      { account: "2200-JPY", side: "debit", amount: 5_000n, currency: "JPY" },
      { account: "4000-JPY", side: "credit", amount: 5_000n, currency: "JPY" },
    ]);
    expect(await ledger.balance("4000-USD")).toBe(10_000n);
    expect(await ledger.balance("1200-USD")).toBe(10_000n);
    expect(await ledger.balance("4000-JPY")).toBe(5_000n);
    expect(await ledger.balance("1200-JPY")).toBe(5_000n);
    const trial = await ledger.trialBalance();
    expect(trial.totals.JPY).toEqual({ debit: 5_000n, credit: 5_000n });
    expect(trial.totals.USD).toEqual({ debit: 10_000n, credit: 10_000n });
    await expect(ledger.createInvoice({ customerId: "c", amount: 1n, currency: "ABC" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "currency" }),
    });
  });

  it("refuses to reverse a deferral the ledger posted for an invoice, so a schedule never draws on another invoice", async () => {
    let now = utc("2025-12-01");
    const ledger = await fresh(() => now);
    for (const id of ["a-sub", "b-sub"]) {
      await ledger.createInvoice({ id, customerId: id, amount: 3_000n, currency: "USD" });
      await ledger.recordDeferral(id, { via: "receivable" });
      await ledger.scheduleRecognition(id, { start: utc("2026-01-01"), end: utc("2026-01-04"), period: "day" });
    }
    const [deferral] = await ledger.transactionsBySource("invoice", "a-sub");
    await expect(ledger.reverse(deferral?.id ?? "", { reason: "cancel" })).rejects.toMatchObject({
      code: "LEDGER_TRANSACTION_MANAGED",
      status: 409,
      details: { transactionId: deferral?.id },
    });
    now = utc("2026-01-05");
    const run = await ledger.runRecognition({ asOf: now });
    expect(run.failed).toEqual([]);
    expect(run.recognized).toHaveLength(6);
    expect(await ledger.balance("2200-USD")).toBe(0n);
    expect(await ledger.balance("4000-USD")).toBe(6_000n);
  });

  it("recognizes at most what an invoice still has deferred, and one failing schedule does not block the others", async () => {
    let now = utc("2025-12-01");
    const ledger = await fresh(() => now);
    for (const id of ["a-sub", "b-sub"]) {
      await ledger.createInvoice({ id, customerId: id, amount: 3_000n, currency: "USD" });
      await ledger.recordDeferral(id, { via: "receivable" });
      await ledger.scheduleRecognition(id, { start: utc("2026-01-01"), end: utc("2026-01-04"), period: "day" });
    }
    // A credit note the host posts itself, tagged with the invoice: a-sub has 500 deferred left, not 3,000.
    await ledger.post({
      description: "credit note for a-sub",
      sourceRef: { type: "invoice", id: "a-sub" },
      entries: [
        { account: "2200-USD", side: "debit", amount: 2_500n },
        { account: "1200-USD", side: "credit", amount: 2_500n },
      ],
    });
    now = utc("2026-01-05");
    const run = await ledger.runRecognition({ asOf: now });
    const byInvoice = (id: string) => run.recognized.filter((p) => p.invoiceId === id).map((p) => p.amount);
    expect(byInvoice("a-sub")).toEqual([500n]);
    expect(byInvoice("b-sub")).toEqual([1_000n, 1_000n, 1_000n]);
    expect(run.failed).toEqual([{ invoiceId: "a-sub", error: expect.objectContaining({ code: "LEDGER_NOTHING_DEFERRED" }) }]);
    expect(await ledger.balance("2200-USD")).toBe(0n);
    expect(await ledger.balance("4000-USD")).toBe(3_500n);
    expect((await ledger.trialBalance()).balanced).toBe(true);
  });

  it("refuses to void an invoice whose revenue is recognized; voiding a deferred one reverses exactly its deferral", async () => {
    const ledger = await fresh();
    await ledger.createInvoice({ id: "done", customerId: "c", amount: 700n, currency: "USD" });
    await ledger.recordDeferral("done", { via: "receivable" });
    await ledger.recognizeRevenue("done");
    await expect(ledger.voidInvoice("done")).rejects.toMatchObject({ code: "LEDGER_REVENUE_RECOGNIZED", status: 409, details: { invoiceId: "done" } });
    expect((await ledger.getInvoice("done")).status).toBe("OPEN");
    expect(await ledger.balance("4000-USD")).toBe(700n);

    await ledger.createInvoice({ id: "cancel", customerId: "c", amount: 300n, currency: "USD" });
    await ledger.recordDeferral("cancel", { via: "cash" });
    const voided = await ledger.voidInvoice("cancel");
    expect(voided.status).toBe("VOID");
    expect(await ledger.balance("1000-USD")).toBe(0n);
    expect(await ledger.balance("2200-USD")).toBe(0n);
    const history = await ledger.transactionsBySource("invoice", "cancel");
    expect(history).toHaveLength(2);
    expect(history[1]?.reverses).toBe(history[0]?.id);
  });

  it("refuses a posting linked to an invoice that would draw more deferred revenue than the invoice still holds", async () => {
    const ledger = await fresh();
    for (const id of ["small", "bystander"]) {
      await ledger.createInvoice({ id, customerId: id, amount: id === "small" ? 1_000n : 50_000n, currency: "USD" });
      await ledger.recordDeferral(id, { via: "receivable" });
    }
    const draw = (invoiceId: string, amount: bigint, account = "2200-USD") =>
      ledger.post({
        description: `Credit note on ${invoiceId}`,
        sourceRef: { type: "invoice", id: invoiceId },
        entries: [
          { account, side: "debit", amount },
          { account: account.replace("2200", "1200"), side: "credit", amount },
        ],
      });
    await draw("small", 600n);
    await expect(draw("small", 401n)).rejects.toMatchObject({
      code: "LEDGER_DEFERRED_OVERDRAWN",
      status: 409,
      details: { invoiceId: "small", account: "2200-USD", outstanding: "400", requested: "401" },
    });
    // Inside a transaction, and as a reversal of a posting that had credited the invoice's sub-ledger, too.
    await expect(ledger.withTransaction((scope) => scope.post({
      description: "Credit note in a transaction",
      sourceRef: { type: "invoice", id: "small" },
      entries: [
        { account: "2200-USD", side: "debit", amount: 500n },
        { account: "1200-USD", side: "credit", amount: 500n },
      ],
    }))).rejects.toMatchObject({ code: "LEDGER_DEFERRED_OVERDRAWN" });
    await draw("small", 400n);
    // Another currency's deferred revenue holds nothing of this invoice.
    await ledger.createInvoice({ id: "eur", customerId: "e", amount: 900n, currency: "EUR" });
    await ledger.recordDeferral("eur", { via: "receivable" });
    await expect(draw("small", 1n, "2200-EUR")).rejects.toMatchObject({ code: "LEDGER_DEFERRED_OVERDRAWN", details: { account: "2200-EUR", outstanding: "0" } });
    expect(await ledger.balance("2200-USD")).toBe(50_000n);
    expect(await ledger.balance("2200-EUR")).toBe(900n);
    expect((await ledger.transactionsBySource("invoice", "small")).length).toBe(3);
    // Postings that add to the sub-ledger, or that name no invoice of this ledger, are not limited.
    await ledger.post({
      description: "Adjustment",
      sourceRef: { type: "invoice", id: "small" },
      entries: [
        { account: "1200-USD", side: "debit", amount: 10n },
        { account: "2200-USD", side: "credit", amount: 10n },
      ],
    });
    await draw("small", 10n);
    await draw("not-an-invoice-here", 5n);
    expect(await ledger.balance("2200-USD")).toBe(49_995n);
  });

  it("voids only what the invoice still has deferred after a credit note, never another invoice's deferred revenue", async () => {
    const ledger = await fresh();
    for (const id of ["a", "b", "c"]) {
      await ledger.createInvoice({ id, customerId: `customer-${id}`, amount: 100_000n, currency: "USD" });
      await ledger.recordDeferral(id, { via: "receivable" });
    }
    const creditNote = (invoiceId: string, amount: bigint) =>
      ledger.post({
        description: `Credit note on ${invoiceId}`,
        sourceRef: { type: "invoice", id: invoiceId },
        entries: [
          { account: "2200-USD", side: "debit", amount },
          { account: "1200-USD", side: "credit", amount },
        ],
      });
    await creditNote("a", 30_000n);
    expect((await ledger.voidInvoice("a")).status).toBe("VOID");
    const voiding = (await ledger.transactionsBySource("invoice", "a")).at(-1);
    expect(voiding?.entries.map((e) => `${e.side} ${e.account} ${e.amount}`)).toEqual(["debit 2200-USD 70000", "credit 1200-USD 70000"]);
    expect(voiding?.reverses).toBeNull();
    expect(await ledger.balance("2200-USD")).toBe(200_000n);
    expect(await ledger.balance("1200-USD")).toBe(200_000n);

    await creditNote("b", 100_000n);
    const before = (await ledger.transactionsBySource("invoice", "b")).length;
    expect((await ledger.voidInvoice("b")).status).toBe("VOID");
    expect(await ledger.transactionsBySource("invoice", "b")).toHaveLength(before);
    expect(await ledger.balance("2200-USD")).toBe(100_000n);

    const { transaction } = await ledger.recognizeRevenue("c");
    expect(transaction?.entries.map((e) => `${e.side} ${e.account} ${e.amount}`)).toEqual(["debit 2200-USD 100000", "credit 4000-USD 100000"]);
    expect(await ledger.balance("2200-USD")).toBe(0n);
    expect((await ledger.trialBalance()).balanced).toBe(true);
  });

  it("answers a repeated recordDeferral with the first deferral only when it asks for the same via", async () => {
    const ledger = await fresh();
    await ledger.createInvoice({ id: "inv-via", customerId: "c", amount: 5_000n, currency: "USD" });
    const first = await ledger.recordDeferral("inv-via", { via: "receivable" });
    expect(await ledger.recordDeferral("inv-via", { via: "receivable" })).toMatchObject({ repeated: true, transaction: { id: first.transaction?.id } });
    await expect(ledger.recordDeferral("inv-via", { via: "cash" })).rejects.toMatchObject({
      code: "INVOICE_STATE_INVALID",
      status: 409,
      message: "[@atom/ledger] invoice inv-via is DRAFT; cannot record a deferral via cash: its deferral was recorded via receivable",
    });
    expect(await ledger.transactionsBySource("invoice", "inv-via")).toHaveLength(1);
  });

  it("dates the reversal of a future-dated transaction at the original's effectiveAt, never before it", async () => {
    const ledger = await fresh(() => utc("2026-03-01"));
    const due = utc("2027-06-30");
    const original = await ledger.post({
      description: "capital call due 2027-06-30",
      effectiveAt: due,
      entries: [
        { account: "1000", side: "debit", amount: 50_000n },
        { account: "3000", side: "credit", amount: 50_000n },
      ],
    });
    const reversal = await ledger.reverse(original.id, { reason: "cancelled" });
    expect(reversal.effectiveAt).toEqual(due);
    expect(await ledger.balance("1000", { asOf: utc("2027-07-01") })).toBe(0n);
    expect((await ledger.statement("1000")).lines.map((line) => line.balance)).toEqual([50_000n, 0n]);

    const past = await ledger.post({ description: "past", effectiveAt: utc("2026-01-15"), entries: [
      { account: "1000", side: "debit", amount: 10n },
      { account: "3000", side: "credit", amount: 10n },
    ] });
    expect((await ledger.reverse(past.id, { reason: "entered twice" })).effectiveAt).toEqual(utc("2026-03-01"));
  });

  it("creates accounts idempotently on first use, under concurrency", async () => {
    const ledger = await fresh();
    const ids = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    for (const id of ids) await ledger.createInvoice({ id, customerId: "c", amount: 100n, currency: "EUR" });
    const results = await Promise.allSettled(ids.map((id) => ledger.recordDeferral(id, { via: "receivable" })));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await ledger.balance("2200-EUR")).toBe(800n);
    const definition = { code: "6000", name: "Fees", type: "expense" as const, currency: "USD" };
    const created = await Promise.allSettled(Array.from({ length: 8 }, () => ledger.createAccount(definition)));
    expect(created.filter((r) => r.status === "rejected")).toEqual([]);
    await expect(ledger.createAccount({ ...definition, type: "asset" })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "code" } });
  });

  it("keeps the ledger's own idempotency keys out of the caller's namespace", async () => {
    const ledger = await fresh();
    await ledger.post({
      description: "caller's own posting",
      idempotencyKey: "invoice:k1:recognition",
      entries: [
        { account: "1000", side: "debit", amount: 1n },
        { account: "3000", side: "credit", amount: 1n },
      ],
    });
    await ledger.createInvoice({ id: "k1", customerId: "c", amount: 900n, currency: "USD" });
    const { transaction, repeated } = await ledger.recognizeRevenue("k1");
    expect(repeated).toBe(false);
    expect(transaction?.entries.map((e) => e.account)).toEqual(["1200-USD", "4000-USD"]);
    expect(transaction?.idempotencyKey).toBeNull();
    expect(await ledger.balance("4000-USD")).toBe(900n);
    const again = await ledger.recognizeRevenue("k1");
    expect(again).toMatchObject({ repeated: true, transaction: { id: transaction?.id } });
    expect(again.transaction).not.toHaveProperty("fingerprint");
    const deferral = await ledger.createInvoice({ id: "k2", customerId: "c", amount: 5n, currency: "USD" });
    await ledger.recordDeferral(deferral.id, { via: "receivable" });
    expect((await ledger.recordDeferral(deferral.id, { via: "receivable" })).transaction).not.toHaveProperty("fingerprint");
  });

  it("returns copies: changing a returned transaction changes nothing stored", async () => {
    const ledger = await fresh();
    const tx = await ledger.post({
      description: "d",
      metadata: { note: "original" },
      sourceRef: { type: "order", id: "o-9" },
      entries: [
        { account: "1000", side: "debit", amount: 10n },
        { account: "3000", side: "credit", amount: 10n },
      ],
    });
    (tx.entries[0] as { amount: bigint }).amount = 999n;
    (tx.metadata as Record<string, unknown>).note = "changed";
    const [stored] = await ledger.transactionsBySource("order", "o-9");
    (stored?.entries as unknown[]).pop();
    const [again] = await ledger.transactionsBySource("order", "o-9");
    expect(again?.entries.map((e) => e.amount)).toEqual([10n, 10n]);
    expect(again?.metadata).toEqual({ note: "original" });
  });

  it("answers racing reversals with exactly one reversal and LEDGER_ALREADY_REVERSED for the rest", async () => {
    const ledger = await fresh();
    const original = await ledger.post({
      description: "investment",
      entries: [
        { account: "1000", side: "debit", amount: 300n },
        { account: "3000", side: "credit", amount: 300n },
      ],
    });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => ledger.reverse(original.id, { reason: "dup" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "LEDGER_ALREADY_REVERSED" });
    expect(await ledger.balance("1000")).toBe(0n);
  });

  it("refuses a balance past 2^63 - 1 with a typed error and writes nothing", async () => {
    const ledger = await fresh();
    const big = (amount: bigint) => ({
      description: "big",
      entries: [
        { account: "1000", side: "debit" as const, amount },
        { account: "3000", side: "credit" as const, amount },
      ],
    });
    await ledger.post(big(MAX));
    await expect(ledger.post(big(1n))).rejects.toMatchObject({ code: "LEDGER_BALANCE_OUT_OF_RANGE", status: 409, details: { account: "1000" } });
    expect(await ledger.balance("1000")).toBe(MAX);
    expect((await ledger.statement("1000")).lines).toHaveLength(1);
  });

  /** `{ a: { a: … } }`, `levels` deep: a hostile metadata value. */
  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = {};
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  };

  it.each([
    ["reverse without options", (l: Ledger) => l.reverse("00000000-0000-4000-8000-000000000000", undefined as never), "reason"],
    ["bigint metadata", (l: Ledger) => l.post({ description: "m", metadata: { n: 1n }, entries: [{ account: "1000", side: "debit", amount: 1n }, { account: "3000", side: "credit", amount: 1n }] }), "metadata.n"],
    ["metadata nested 20,000 levels deep", (l: Ledger) => l.post({ description: "m", metadata: { deep: nested(20_000) }, entries: [{ account: "1000", side: "debit", amount: 1n }, { account: "3000", side: "credit", amount: 1n }] }), `metadata.deep${".a".repeat(31)}`],
    ["a Date in metadata", (l: Ledger) => l.post({ description: "m", metadata: { at: new Date() } as never, entries: [{ account: "1000", side: "debit", amount: 1n }, { account: "3000", side: "credit", amount: 1n }] }), "metadata.at"],
    ["an unknown `via`", (l: Ledger) => l.recordDeferral("x", { via: "bank" as never }), "via"],
    ["an unknown currency", (l: Ledger) => l.createAccount({ code: "9", name: "n", type: "asset", currency: "ZZZ" }), "currency"],
  ])("refuses %s with VALIDATION_ERROR naming the field", async (_name, call, field) => {
    const ledger = await fresh();
    await expect(call(ledger)).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field }) });
  });

  it("compares idempotent repeats by content, not by metadata key order", async () => {
    const ledger = await fresh();
    const posting = (metadata: Record<string, unknown>) => ({
      description: "m",
      idempotencyKey: "order-1",
      metadata,
      entries: [
        { account: "1000", side: "debit" as const, amount: 5n },
        { account: "3000", side: "credit" as const, amount: 5n },
      ],
    });
    const first = await ledger.post(posting({ a: 1, b: { c: 2, d: 3 } }));
    const again = await ledger.post(posting({ b: { d: 3, c: 2 }, a: 1 }));
    expect(again.id).toBe(first.id);
    expect(again).not.toHaveProperty("fingerprint");
    await expect(ledger.post(posting({ a: 2, b: { c: 2, d: 3 } }))).rejects.toMatchObject({ code: "LEDGER_IDEMPOTENCY_CONFLICT" });
  });

  it("counts future-dated entries only from their effective time, and refuses backdated spending that would overdraw the past", async () => {
    let now = utc("2026-03-01");
    const ledger = await fresh(() => now);
    const invest = (amount: bigint, effectiveAt?: Date) => ({
      description: "investment",
      ...(effectiveAt ? { effectiveAt } : {}),
      entries: [
        { account: "1000", side: "debit" as const, amount },
        { account: "3000", side: "credit" as const, amount },
      ],
    });
    await ledger.post(invest(400n, utc("2026-04-01")));
    expect(await ledger.balance("1000")).toBe(0n);
    expect((await ledger.trialBalance()).rows.find((r) => r.code === "1000")?.debit).toBe(0n);
    expect(await ledger.balance("1000", { asOf: utc("2026-04-02") })).toBe(400n);
    now = utc("2026-05-01");
    expect(await ledger.balance("1000")).toBe(400n);
    await expect(
      ledger.post({
        description: "backdated rent",
        effectiveAt: utc("2026-03-15"),
        entries: [
          { account: "5000", side: "debit", amount: 100n },
          { account: "1000", side: "credit", amount: 100n },
        ],
      }),
    ).rejects.toMatchObject({ code: "LEDGER_NORMAL_BALANCE_VIOLATION", details: { account: "1000", balance: "-100" } });
    expect(await ledger.balance("1000", { asOf: utc("2026-03-20") })).toBe(0n);
    await ledger.post({
      description: "rent after the investment",
      effectiveAt: utc("2026-04-15"),
      entries: [
        { account: "5000", side: "debit", amount: 100n },
        { account: "1000", side: "credit", amount: 100n },
      ],
    });
    expect(await ledger.balance("1000")).toBe(300n);
  });

  it("withTransaction groups postings atomically and offers no raw storage writes", async () => {
    const ledger = await fresh();
    await expect(
      ledger.withTransaction(async (scope) => {
        expect(Object.keys(scope).sort()).toEqual(["balance", "createAccount", "post", "reverse", "transactionsBySource"]);
        await scope.post({ description: "one", entries: [{ account: "1000", side: "debit", amount: 5n }, { account: "3000", side: "credit", amount: 5n }] });
        expect(await scope.balance("1000")).toBe(5n);
        throw new Error("host changed its mind");
      }),
    ).rejects.toThrow("host changed its mind");
    expect(await ledger.balance("1000")).toBe(0n);
  });
}
