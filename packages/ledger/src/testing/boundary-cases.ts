import { expect, it } from "vitest";
import type { Ledger } from "../ledger.js";

const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

const entries = (amount: bigint) => [
  { account: "1000", side: "debit" as const, amount },
  { account: "3000", side: "credit" as const, amount },
];

/** What every refused input must be: a `VALIDATION_ERROR` naming the culprit. */
const refused = (field: string) => ({ code: "VALIDATION_ERROR", status: 400, details: expect.objectContaining({ field }) });

const cursorOf = (position: unknown[]) => Buffer.from(JSON.stringify(position)).toString("base64url");

/**
 * The input cases of the storage kit: unknown keys, read arguments of the wrong type, and values no storage can keep
 * are the same `VALIDATION_ERROR` naming the field on every storage, and write nothing.
 * @internal
 */
export function boundaryCases(fresh: (clock?: () => Date) => Promise<Ledger>): void {
  it("refuses unknown keys in every input, naming the key, and writes nothing", async () => {
    const ledger = await fresh();
    const start = { start: utc("2026-01-01"), end: utc("2026-01-03"), period: "day" as const };
    const calls: [string, () => Promise<unknown>][] = [
      ["idempotency_key", () => ledger.post({ description: "wire", entries: entries(100n), idempotency_key: "wire-42" } as never)],
      ["effective_at", () => ledger.post({ description: "wire", entries: entries(100n), effective_at: utc("2026-01-31") } as never)],
      ["entries.0.currncy", () => ledger.post({ description: "wire", entries: [{ ...entries(100n)[0], currncy: "EUR" }, entries(100n)[1]] } as never)],
      ["sourceRef.kind", () => ledger.post({ description: "wire", entries: entries(100n), sourceRef: { type: "t", id: "1", kind: "x" } } as never)],
      [
        "autoCreate.0.colour",
        () => ledger.post({ description: "wire", entries: entries(100n), autoCreate: [{ code: "1000", name: "Cash", type: "asset", currency: "USD", colour: "red" }] } as never),
      ],
      ["allow_negative", () => ledger.createAccount({ code: "2000", name: "Loan", type: "liability", currency: "USD", allow_negative: true } as never)],
      ["because", () => ledger.reverse("00000000-0000-4000-8000-000000000000", { reason: "typo", because: "x" } as never)],
      ["as_of", () => ledger.balance("1000", { as_of: utc("2026-01-01") } as never)],
      ["as_of", () => ledger.trialBalance({ as_of: utc("2026-01-01") } as never)],
      ["as_of", () => ledger.assertBalance("1000", 0n, { as_of: utc("2026-01-01") } as never)],
      ["limt", () => ledger.statement("1000", { limt: 5 } as never)],
      ["customer_id", () => ledger.createInvoice({ customerId: "c", amount: 5n, currency: "USD", customer_id: "c" } as never)],
      ["mode", () => ledger.recordDeferral("inv", { via: "cash", mode: "x" } as never)],
      ["every", () => ledger.scheduleRecognition("inv", { ...start, every: 2 } as never)],
      ["lmit", () => ledger.runRecognition({ asOf: utc("2026-01-01"), lmit: 5 } as never)],
      ["idempotency_key", () => ledger.withTransaction((scope) => scope.post({ description: "w", entries: entries(1n), idempotency_key: "k" } as never))],
    ];
    for (const [field, call] of calls) await expect(call(), field).rejects.toMatchObject(refused(field));
    expect(await ledger.balance("1000")).toBe(0n);
    expect((await ledger.statement("1000")).lines).toHaveLength(0);
  });

  it("refuses read arguments of the wrong type and invalid dates with VALIDATION_ERROR naming them", async () => {
    const ledger = await fresh();
    const calls: [string, () => Promise<unknown>][] = [
      ["account", () => ledger.balance(123 as never)],
      ["account", () => ledger.statement({} as never)],
      ["account", () => ledger.assertBalance(null as never, 0n)],
      ["expected", () => ledger.assertBalance("1000", 300 as never)],
      ["asOf", () => ledger.balance("1000", { asOf: new Date(Number.NaN) })],
      ["asOf", () => ledger.balance("1000", { asOf: "2020-01-01" as never })],
      ["asOf", () => ledger.trialBalance({ asOf: new Date(Number.NaN) })],
      ["asOf", () => ledger.assertBalance("1000", 5n, { asOf: new Date(Number.NaN) })],
      ["from", () => ledger.statement("1000", { from: new Date(Number.NaN) })],
      ["cursor", () => ledger.statement("1000", { cursor: cursorOf(["2020-01-01T00:00:00.000Z", "99999999999999999999999"]) })],
      ["cursor", () => ledger.statement("1000", { cursor: cursorOf(["+275760-01-01T00:00:00.000Z", "1"]) })],
      ["transactionId", () => ledger.reverse(123 as never, { reason: "x" })],
      ["type", () => ledger.transactionsBySource({} as never, [] as never)],
      ["invoiceId", () => ledger.getInvoice(null as never)],
      ["invoiceId", () => ledger.voidInvoice({} as never)],
      ["invoiceId", () => ledger.recognizeRevenue(42 as never)],
      ["invoiceId", () => ledger.recordDeferral(7 as never, { via: "cash" })],
      ["invoiceId", () => ledger.getSchedule(5 as never)],
      ["asOf", () => ledger.runRecognition({ asOf: new Date(Number.NaN) })],
      ["account", () => ledger.withTransaction((scope) => scope.balance(1 as never))],
      ["asOf", () => ledger.withTransaction((scope) => scope.balance("1000", { asOf: new Date(Number.NaN) }))],
      ["transactionId", () => ledger.withTransaction((scope) => scope.reverse(1 as never, { reason: "x" }))],
    ];
    for (const [field, call] of calls) await expect(call(), field).rejects.toMatchObject(refused(field));
  });

  it("refuses values no storage can keep: NUL characters, and dates outside the years 1 to 9999", async () => {
    const ledger = await fresh();
    const post = (extra: Record<string, unknown>) => ledger.post({ description: "d", entries: entries(1n), ...extra });
    const calls: [string, () => Promise<unknown>][] = [
      ["description", () => post({ description: "a\u0000b" })],
      ["idempotencyKey", () => post({ idempotencyKey: "k\u0000" })],
      ["sourceRef.id", () => post({ sourceRef: { type: "deposit", id: "d\u00001" } })],
      ["metadata.note", () => post({ metadata: { note: "x\u0000y" } })],
      ["metadata.list.1", () => post({ metadata: { list: ["ok", "x\u0000"] } })],
      ["metadata", () => post({ metadata: { "k\u0000": 1 } })],
      ["effectiveAt", () => post({ effectiveAt: new Date("0000-06-01T00:00:00Z") })],
      ["effectiveAt", () => post({ effectiveAt: new Date(8.64e15) })],
      ["name", () => ledger.createAccount({ code: "9999", name: "Ca\u0000sh", type: "asset", currency: "USD" })],
      ["customerId", () => ledger.createInvoice({ customerId: "c\u0000", amount: 5n, currency: "USD" })],
      ["description", () => ledger.createInvoice({ customerId: "c", amount: 5n, currency: "USD", description: "\u0000" })],
      ["reason", () => ledger.reverse("00000000-0000-4000-8000-000000000000", { reason: "r\u0000" })],
      ["invoiceId", () => ledger.getInvoice("inv\u0000")],
      ["id", () => ledger.transactionsBySource("invoice", "i\u0000")],
      ["asOf", () => ledger.balance("1000", { asOf: new Date(8.64e15) })],
      ["start", () => ledger.scheduleRecognition("inv", { start: new Date("0000-01-01T00:00:00Z"), end: utc("2026-01-01"), period: "day" })],
    ];
    for (const [field, call] of calls) await expect(call(), field).rejects.toMatchObject(refused(field));
    expect(await ledger.balance("1000", { asOf: new Date(8.64e15 - 1) }).catch((e: unknown) => e)).toMatchObject(refused("asOf"));
    await post({ description: "first day", effectiveAt: new Date("0001-01-01T00:00:00.000Z") });
    await post({ description: "last moment", effectiveAt: new Date("9999-12-31T23:59:59.999Z") });
    expect(await ledger.balance("1000", { asOf: new Date("9999-12-31T23:59:59.999Z") })).toBe(2n);
    expect(await ledger.balance("1000")).toBe(1n);
    expect((await ledger.statement("1000")).lines.map((line) => line.description)).toEqual(["first day", "last moment"]);
  });
}
