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
