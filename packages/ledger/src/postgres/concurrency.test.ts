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

type Ledger = ReturnType<typeof createLedger>;

/** Ledgers on separate pools on a real server (db.close() ends them), as from different processes; one on PGlite. */
function racingLedgers(clock?: () => Date): Ledger[] {
  const pools = real ? Array.from({ length: 3 }, () => db.newPool({ max: 4 }) as NonNullable<ReturnType<TestDatabase["newPool"]>>) : [db.client];
  return pools.map((pool) => createLedger({ storage: postgresLedger({ pool }), ...(clock ? { clock } : {}) }));
}

const creditNote = (ledger: Ledger, id: string, n: number) =>
  ledger.post({
    description: `Credit note ${n} on ${id}`,
    sourceRef: { type: "invoice", id },
    entries: [
      { account: "2200-USD", side: "debit", amount: 600n },
      { account: "1200-USD", side: "credit", amount: 600n },
    ],
  });

/**
 * Every racing call either succeeded or was refused as an overdraw; no racing invoice's sub-ledger went below zero,
 * and the deferred revenue account (`held` before the race, each racing invoice's 1,000 included) lost only what
 * the racing invoices drew from their own sub-ledgers.
 */
async function expectNoOverdraw(ledger: Ledger, outcomes: PromiseSettledResult<unknown>[], ids: string[], held: bigint): Promise<void> {
  let left = 0n;
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "LEDGER_DEFERRED_OVERDRAWN" });
  }
  for (const id of ids) {
    let outstanding = 0n;
    for (const transaction of await ledger.transactionsBySource("invoice", id)) {
      for (const entry of transaction.entries) {
        if (entry.account === "2200-USD") outstanding += entry.side === "credit" ? entry.amount : -entry.amount;
      }
    }
    expect(outstanding, id).toBeGreaterThanOrEqual(0n);
    left += outstanding;
  }
  expect(await ledger.balance("2200-USD")).toBe(held - 1_000n * BigInt(ids.length) + left);
  expect((await ledger.trialBalance()).balanced).toBe(true);
}

it("credit notes racing voids and recognitions on separate pools never draw another invoice's deferred revenue", async () => {
  const ledgers = racingLedgers();
  const [first] = ledgers as [Ledger];
  await first.createInvoice({ id: "bystander", customerId: "b", amount: 10_000_000n, currency: "USD" });
  await first.recordDeferral("bystander", { via: "receivable" });
  const ids = Array.from({ length: real ? 30 : 6 }, (_, i) => `race-${i}`);
  for (const id of ids) {
    await first.createInvoice({ id, customerId: id, amount: 1_000n, currency: "USD" });
    await first.recordDeferral(id, { via: "receivable" });
  }
  const held = await first.balance("2200-USD");
  const pick = (n: number) => ledgers[n % ledgers.length] as Ledger;
  const outcomes = await Promise.allSettled(
    ids.flatMap((id, i) => [
      creditNote(pick(i), id, i),
      i % 2 === 0 ? pick(i + 1).voidInvoice(id) : pick(i + 1).recognizeRevenue(id),
      creditNote(pick(i + 2), id, i + 2),
    ]),
  );
  await expectNoOverdraw(first, outcomes, ids, held);
}, 120_000);

it("credit notes racing scheduled recognition on separate pools never draw another invoice's deferred revenue", async () => {
  let now = new Date("2025-12-01T00:00:00Z");
  const ledgers = racingLedgers(() => now);
  const [first] = ledgers as [Ledger];
  await first.createInvoice({ id: "bystander-s", customerId: "b", amount: 10_000_000n, currency: "USD" });
  await first.recordDeferral("bystander-s", { via: "receivable" });
  const ids = Array.from({ length: real ? 20 : 4 }, (_, i) => `sched-${i}`);
  for (const id of ids) {
    await first.createInvoice({ id, customerId: id, amount: 1_000n, currency: "USD" });
    await first.recordDeferral(id, { via: "receivable" });
    await first.scheduleRecognition(id, { start: new Date("2026-01-01T00:00:00Z"), end: new Date("2026-01-05T00:00:00Z"), period: "day" });
  }
  now = new Date("2026-01-10T00:00:00Z");
  const held = await first.balance("2200-USD");
  const outcomes = await Promise.allSettled([
    ...ids.map((id, i) => creditNote(ledgers[i % ledgers.length] as Ledger, id, i)),
    ...ledgers.map((ledger) => ledger.runRecognition({ asOf: now })),
  ]);
  await expectNoOverdraw(first, outcomes, ids, held);
}, 120_000);
