import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLedger } from "../index.js";
import { migrate, postgresLedger } from "../postgres.js";

let db: TestDatabase;
const real = process.env.DATABASE_URL !== undefined;
// PGlite has one connection, so it checks the same invariants with fewer postings.
const POSTINGS = real ? 10_000 : 400;
const WRITERS = 8;
const ACCOUNTS = 10;

beforeAll(async () => {
  db = await createTestDatabase({ max: WRITERS + 2 });
  await migrate(db.client);
});
afterAll(() => db.close());

it(`${WRITERS} concurrent writers, ${POSTINGS} postings across ${ACCOUNTS} accounts: no lost update, balances = Σ entries`, async () => {
  const ledger = createLedger({ storage: postgresLedger({ pool: db.client }) });
  const codes = Array.from({ length: ACCOUNTS }, (_, i) => `A${i}`);
  for (const code of codes) await ledger.createAccount({ code, name: code, type: "asset", currency: "USD", allowNegative: true });
  const expected = new Map(codes.map((code) => [code, 0n]));
  let next = 0;
  const writer = async () => {
    while (next < POSTINGS) {
      const n = next++;
      const from = codes[n % ACCOUNTS] as string;
      const to = codes[(n * 7 + 3) % ACCOUNTS] as string;
      if (from === to) continue;
      const amount = BigInt((n % 97) + 1);
      await ledger.post({
        description: `transfer ${n}`,
        entries: [
          { account: to, side: "debit", amount },
          { account: from, side: "credit", amount },
        ],
      });
      expected.set(to, (expected.get(to) as bigint) + amount);
      expected.set(from, (expected.get(from) as bigint) - amount);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  for (const code of codes) {
    const stored = await ledger.balance(code);
    expect(stored, code).toBe(expected.get(code));
    expect(await ledger.balance(code, { asOf: new Date(Date.now() + 60_000) }), `${code} from entries`).toBe(stored);
  }
  expect((await ledger.trialBalance()).balanced).toBe(true);
}, 300_000);

it("credit notes racing voids and recognitions on separate pools never draw another invoice's deferred revenue", async () => {
  const INVOICES = real ? 30 : 6;
  // Separate pools on a real server (db.close() ends them): the racing calls run on different connections, as from
  // different processes.
  const pools = real ? Array.from({ length: 3 }, () => db.newPool({ max: 4 }) as NonNullable<ReturnType<TestDatabase["newPool"]>>) : [db.client];
  const ledgers = pools.map((pool) => createLedger({ storage: postgresLedger({ pool }) }));
  const [first] = ledgers as [ReturnType<typeof createLedger>];
  await first.createInvoice({ id: "bystander", customerId: "b", amount: 10_000_000n, currency: "USD" });
  await first.recordDeferral("bystander", { via: "receivable" });
  const ids = Array.from({ length: INVOICES }, (_, i) => `race-${i}`);
  for (const id of ids) {
    await first.createInvoice({ id, customerId: id, amount: 1_000n, currency: "USD" });
    await first.recordDeferral(id, { via: "receivable" });
  }
  const pick = (n: number) => ledgers[n % ledgers.length] as ReturnType<typeof createLedger>;
  const creditNote = (id: string, n: number) =>
    pick(n).post({
      description: `Credit note ${n} on ${id}`,
      sourceRef: { type: "invoice", id },
      entries: [
        { account: "2200-USD", side: "debit", amount: 600n },
        { account: "1200-USD", side: "credit", amount: 600n },
      ],
    });
  const outcomes = await Promise.allSettled(
    ids.flatMap((id, i) => [
      creditNote(id, i),
      i % 2 === 0 ? pick(i + 1).voidInvoice(id) : pick(i + 1).recognizeRevenue(id),
      creditNote(id, i + 2),
    ]),
  );
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "LEDGER_DEFERRED_OVERDRAWN" });
  }
  for (const id of ids) {
    let outstanding = 0n;
    for (const transaction of await first.transactionsBySource("invoice", id)) {
      for (const entry of transaction.entries) {
        if (entry.account === "2200-USD") outstanding += entry.side === "credit" ? entry.amount : -entry.amount;
      }
    }
    expect(outstanding, id).toBeGreaterThanOrEqual(0n);
  }
  // Only the bystander's deferral is left: no racing invoice drew on it.
  expect(await first.balance("2200-USD")).toBe(10_000_000n);
  expect((await first.trialBalance()).balanced).toBe(true);
}, 120_000);

it("credit notes racing scheduled recognition on separate pools never draw another invoice's deferred revenue", async () => {
  const INVOICES = real ? 20 : 4;
  let now = new Date("2025-12-01T00:00:00Z");
  const pools = real ? Array.from({ length: 3 }, () => db.newPool({ max: 4 }) as NonNullable<ReturnType<TestDatabase["newPool"]>>) : [db.client];
  const ledgers = pools.map((pool) => createLedger({ storage: postgresLedger({ pool }), clock: () => now }));
  const [first] = ledgers as [ReturnType<typeof createLedger>];
  await first.createInvoice({ id: "bystander-s", customerId: "b", amount: 10_000_000n, currency: "USD" });
  await first.recordDeferral("bystander-s", { via: "receivable" });
  const ids = Array.from({ length: INVOICES }, (_, i) => `sched-${i}`);
  for (const id of ids) {
    await first.createInvoice({ id, customerId: id, amount: 1_000n, currency: "USD" });
    await first.recordDeferral(id, { via: "receivable" });
    await first.scheduleRecognition(id, { start: new Date("2026-01-01T00:00:00Z"), end: new Date("2026-01-05T00:00:00Z"), period: "day" });
  }
  now = new Date("2026-01-10T00:00:00Z");
  const pick = (n: number) => ledgers[n % ledgers.length] as ReturnType<typeof createLedger>;
  const outcomes = await Promise.allSettled([
    ...ids.map((id, i) =>
      pick(i).post({
        description: `Credit note on ${id}`,
        sourceRef: { type: "invoice", id },
        entries: [
          { account: "2200-USD", side: "debit", amount: 600n },
          { account: "1200-USD", side: "credit", amount: 600n },
        ],
      }),
    ),
    ...ledgers.map((ledger) => ledger.runRecognition({ asOf: now })),
  ]);
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "LEDGER_DEFERRED_OVERDRAWN" });
  }
  for (const id of ids) {
    let outstanding = 0n;
    for (const transaction of await first.transactionsBySource("invoice", id)) {
      for (const entry of transaction.entries) {
        if (entry.account === "2200-USD") outstanding += entry.side === "credit" ? entry.amount : -entry.amount;
      }
    }
    expect(outstanding, id).toBeGreaterThanOrEqual(0n);
  }
  expect(await first.balance("2200-USD")).toBe(10_000_000n);
  expect((await first.trialBalance()).balanced).toBe(true);
}, 120_000);
