import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLedger, memoryLedger } from "./index.js";

const CODES = ["1000", "1200", "2000", "3000", "4000", "5000"] as const;
const TYPES = { "1000": "asset", "1200": "asset", "2000": "liability", "3000": "equity", "4000": "revenue", "5000": "expense" } as const;

async function freshLedger() {
  const ledger = createLedger({ storage: memoryLedger() });
  for (const code of CODES) {
    await ledger.createAccount({ code, name: code, type: TYPES[code], currency: "USD", allowNegative: true });
  }
  return ledger;
}

const leg = fc.record({ account: fc.constantFrom(...CODES), amount: fc.bigInt({ min: 1n, max: 10n ** 12n }) });
const posting = fc.tuple(leg, leg, fc.array(leg, { maxLength: 3 }));

describe("ledger properties (fast-check)", () => {
  it("random valid postings keep the trial balance balanced and every balance equal to its entries", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(posting, { minLength: 1, maxLength: 15 }), async (postings) => {
        const ledger = await freshLedger();
        for (const [debit, credit, extra] of postings) {
          const extraTotal = extra.reduce((sum, e) => sum + e.amount, 0n);
          await ledger.post({
            description: "random",
            entries: [
              { account: debit.account, side: "debit", amount: debit.amount + extraTotal },
              { account: credit.account, side: "credit", amount: debit.amount },
              ...extra.map((e) => ({ account: e.account, side: "credit" as const, amount: e.amount })),
            ],
          });
        }
        expect((await ledger.trialBalance()).balanced).toBe(true);
        for (const code of CODES) {
          const lines = (await ledger.statement(code, { limit: 1000 })).lines;
          expect(await ledger.balance(code)).toBe(lines.at(-1)?.balance ?? 0n);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("random unbalanced postings write nothing", async () => {
    await fc.assert(
      fc.asyncProperty(leg, leg, fc.bigInt({ min: 1n, max: 1000n }), async (debit, credit, skew) => {
        const ledger = await freshLedger();
        await expect(
          ledger.post({
            description: "unbalanced",
            entries: [
              { account: debit.account, side: "debit", amount: debit.amount + skew },
              { account: credit.account, side: "credit", amount: debit.amount },
            ],
          }),
        ).rejects.toMatchObject({ code: "LEDGER_UNBALANCED" });
        for (const code of CODES) expect(await ledger.balance(code)).toBe(0n);
      }),
      { numRuns: 60 },
    );
  });
});
