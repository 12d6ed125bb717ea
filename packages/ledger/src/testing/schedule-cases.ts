import { expect, it } from "vitest";
import type { Ledger } from "../ledger.js";

const USD = "USD";
const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

async function deferred(ledger: Ledger, id: string, amount: bigint) {
  await ledger.createInvoice({ id, customerId: "c-1", amount, currency: USD });
  await ledger.recordDeferral(id, { via: "receivable" });
}

/**
 * The ratable-recognition cases of the storage kit: schedules, period arithmetic through storage, idempotent and
 * concurrent runs, and refusals that write nothing.
 * @internal
 */
export function scheduleCases(fresh: (clock?: () => Date) => Promise<Ledger>): void {
  /** A ledger whose clock starts before the schedules and moves to each run's `asOf`, as a cron job's would. */
  const setup = async () => {
    let now = utc("2025-12-01");
    const ledger = await fresh(() => now);
    const runAt = (options: { asOf: Date; limit?: number; cursor?: string }) => {
      now = options.asOf;
      return ledger.runRecognition(options);
    };
    return { ledger, runAt };
  };

  it("recognizes a monthly schedule one elapsed month at a time, the remainder on the last month", async () => {
    const { ledger, runAt } = await setup();
    await deferred(ledger, "sub-1", 100_000n);
    const schedule = await ledger.scheduleRecognition("sub-1", { start: utc("2026-01-31"), end: utc("2026-04-30"), period: "month" });
    expect(schedule).toMatchObject({ periods: 3, amount: 100_000n, recognizedPeriods: 0, nextDueAt: utc("2026-02-28") });
    expect((await ledger.getInvoice("sub-1")).status).toBe("OPEN");

    expect((await runAt({ asOf: utc("2026-02-27") })).recognized).toEqual([]);
    const first = await runAt({ asOf: utc("2026-03-30") });
    expect(first.recognized.map((p) => [p.period, p.amount, p.periodEnd])).toEqual([[1, 33_333n, utc("2026-02-28")]]);
    expect(first.recognized[0]?.transaction.entries).toMatchObject([
      { account: "2200-USD", side: "debit", amount: 33_333n },
      { account: "4000-USD", side: "credit", amount: 33_333n },
    ]);
    expect(first.recognized[0]?.transaction.effectiveAt).toEqual(utc("2026-02-28"));

    const rest = await runAt({ asOf: utc("2027-01-01") });
    expect(rest.recognized.map((p) => [p.period, p.amount, p.periodEnd])).toEqual([
      [2, 33_333n, utc("2026-03-31")],
      [3, 33_334n, utc("2026-04-30")],
    ]);
    expect(await ledger.balance("4000-USD")).toBe(100_000n);
    expect(await ledger.balance("2200-USD")).toBe(0n);
    expect(await ledger.getSchedule("sub-1")).toMatchObject({ recognizedPeriods: 3, nextDueAt: null });
    expect((await runAt({ asOf: utc("2027-01-01") })).recognized).toEqual([]);
    expect(await ledger.balance("4000-USD", { asOf: utc("2026-03-31") })).toBe(66_666n);
    expect((await ledger.trialBalance()).balanced).toBe(true);
  });

  it("recognizes daily periods, and each period exactly once under concurrent runs", async () => {
    const { ledger, runAt } = await setup();
    await deferred(ledger, "sub-d", 1_000n);
    await ledger.scheduleRecognition("sub-d", { start: utc("2026-02-01"), end: utc("2026-02-08"), period: "day" });
    const runs = await Promise.all(Array.from({ length: 6 }, () => runAt({ asOf: utc("2026-02-05") })));
    const periods = runs.flatMap((run) => run.recognized.map((p) => p.period)).sort();
    expect(periods).toEqual([1, 2, 3, 4]);
    expect(await ledger.balance("4000-USD")).toBe(4n * 142n);
    const last = await runAt({ asOf: utc("2026-02-08") });
    expect(last.recognized.map((p) => p.amount)).toEqual([142n, 142n, 148n]);
    expect(await ledger.balance("4000-USD")).toBe(1_000n);
    expect(await ledger.getSchedule("nope")).toBeNull();
  });

  it("processes at most `limit` schedules per run and says when more are due", async () => {
    const { ledger, runAt } = await setup();
    for (const id of ["a", "b", "c"]) {
      await deferred(ledger, id, 300n);
      await ledger.scheduleRecognition(id, { start: utc("2026-01-01"), end: utc("2026-01-04"), period: "day" });
    }
    const page = await runAt({ asOf: utc("2026-01-02"), limit: 2 });
    expect(page.recognized.map((p) => p.invoiceId)).toEqual(["a", "b"]);
    expect(page.more).toBe(true);
    const next = await runAt({ asOf: utc("2026-01-02"), limit: 2 });
    expect(next.recognized.map((p) => p.invoiceId)).toEqual(["c"]);
    expect(next.more).toBe(false);
  });

  it("pages on with nextCursor, so schedules that keep failing never hide the later due ones", async () => {
    const { ledger, runAt } = await setup();
    for (const id of ["f1", "f2", "ok"]) {
      await deferred(ledger, id, 300n);
      await ledger.scheduleRecognition(id, { start: utc("2026-01-01"), end: utc("2026-01-04"), period: "day" });
    }
    for (const id of ["f1", "f2"]) {
      // A credit note the host posts itself takes all of the invoice's deferred revenue: its schedule fails every run.
      await ledger.post({
        description: `credit note for ${id}`,
        sourceRef: { type: "invoice", id },
        entries: [
          { account: "2200-USD", side: "debit", amount: 300n },
          { account: "1200-USD", side: "credit", amount: 300n },
        ],
      });
    }
    const asOf = utc("2026-01-02");
    const first = await runAt({ asOf, limit: 2 });
    expect(first.failed.map((f) => [f.invoiceId, f.error.code])).toEqual([["f1", "LEDGER_NOTHING_DEFERRED"], ["f2", "LEDGER_NOTHING_DEFERRED"]]);
    expect(first).toMatchObject({ recognized: [], more: true, nextCursor: expect.any(String) });
    const next = await runAt({ asOf, limit: 2, cursor: first.nextCursor as string });
    expect(next.recognized.map((p) => [p.invoiceId, p.period])).toEqual([["ok", 1]]);
    expect(next).toMatchObject({ failed: [], more: false, nextCursor: null });
    await expect(runAt({ asOf, cursor: "not-a-cursor" })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "cursor" }) });
  });

  it("refuses bad schedules and the operations a schedule rules out, writing nothing", async () => {
    const { ledger } = await setup();
    await ledger.createInvoice({ id: "plain", customerId: "c-1", amount: 500n, currency: USD });
    const month = { start: utc("2026-01-01"), end: utc("2026-02-01"), period: "month" as const };
    await expect(ledger.scheduleRecognition("plain", month)).rejects.toMatchObject({ code: "LEDGER_NOTHING_DEFERRED", status: 409 });
    await expect(ledger.scheduleRecognition("ghost", month)).rejects.toMatchObject({ code: "INVOICE_NOT_FOUND" });

    await deferred(ledger, "sub-x", 2n);
    const field = (end: Date) => ledger.scheduleRecognition("sub-x", { ...month, end });
    await expect(field(utc("2026-02-15"))).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "end" }) });
    await expect(field(utc("2025-12-01"))).rejects.toMatchObject({ details: expect.objectContaining({ field: "end" }) });
    await expect(field(utc("2026-04-01"))).rejects.toMatchObject({ details: expect.objectContaining({ field: "end" }) });
    await expect(ledger.scheduleRecognition("sub-x", { ...month, period: "week" as never })).rejects.toMatchObject({
      details: expect.objectContaining({ field: "period" }),
    });
    expect(await ledger.getSchedule("sub-x")).toBeNull();
    expect((await ledger.getInvoice("sub-x")).status).toBe("DRAFT");

    await ledger.scheduleRecognition("sub-x", month);
    await expect(ledger.scheduleRecognition("sub-x", month)).rejects.toMatchObject({ code: "LEDGER_RECOGNITION_SCHEDULED" });
    await expect(ledger.recognizeRevenue("sub-x")).rejects.toMatchObject({ code: "LEDGER_RECOGNITION_SCHEDULED", status: 409 });
    await expect(ledger.voidInvoice("sub-x")).rejects.toMatchObject({ code: "LEDGER_RECOGNITION_SCHEDULED" });
    expect(await ledger.balance("4000-USD").catch(() => 0n)).toBe(0n);

    await deferred(ledger, "done", 10n);
    await ledger.recognizeRevenue("done");
    await expect(ledger.scheduleRecognition("done", month)).rejects.toMatchObject({ code: "INVOICE_STATE_INVALID", status: 409 });
  });
}
