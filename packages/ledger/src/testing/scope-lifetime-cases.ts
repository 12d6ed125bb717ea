import { expect, it } from "vitest";
import type { LedgerScope } from "../core.js";
import type { Ledger } from "../ledger.js";

const invest = (amount: bigint, description = "investment") => ({
  description,
  entries: [
    { account: "1000", side: "debit" as const, amount },
    { account: "3000", side: "credit" as const, amount },
  ],
});

const closed = { code: "LEDGER_SCOPE_CLOSED", status: 500, message: expect.stringMatching(/^\[@atom\/ledger\] withTransaction: /) };

/** Σ of the account's statement lines: what the balance must equal. */
async function entriesSum(ledger: Ledger, account: string): Promise<bigint> {
  return (await ledger.statement(account, { limit: 1000 })).lines.reduce((sum, line) => sum + line.amount, 0n);
}

/**
 * The `withTransaction` scope cases of the storage kit: a scope works only while its transaction is open, and what
 * the callback started runs inside the transaction, never after it.
 * @internal
 */
export function scopeLifetimeCases(fresh: (clock?: () => Date) => Promise<Ledger>): void {
  it("refuses every operation of a scope kept after its transaction settled, writing nothing", async () => {
    const ledger = await fresh();
    let committed: LedgerScope | undefined;
    await ledger.withTransaction(async (scope) => {
      committed = scope;
    });
    let rolledBack: LedgerScope | undefined;
    await expect(
      ledger.withTransaction(async (scope) => {
        rolledBack = scope;
        throw new Error("changed its mind");
      }),
    ).rejects.toThrow("changed its mind");
    for (const scope of [committed, rolledBack] as LedgerScope[]) {
      const late = await Promise.allSettled([
        scope.post(invest(100n)),
        scope.reverse("00000000-0000-4000-8000-000000000000", { reason: "late" }),
        scope.balance("1000"),
        scope.createAccount({ code: "7000", name: "Late", type: "expense", currency: "USD" }),
        scope.transactionsBySource("deposit", "d-1"),
      ]);
      for (const outcome of late) expect(outcome).toMatchObject({ status: "rejected", reason: closed });
    }
    expect(await ledger.balance("1000")).toBe(0n);
    expect((await ledger.trialBalance()).rows.map((row) => row.code)).not.toContain("7000");
  });

  it("finishes the operations a callback did not await inside the transaction, and starts none after it", async () => {
    const ledger = await fresh();
    let late: Promise<unknown> | undefined;
    await ledger.withTransaction(async (scope) => {
      void scope.post(invest(7n, "not awaited"));
      late = new Promise((resolve) => setTimeout(resolve, 0)).then(() => scope.post(invest(5n, "after return"))).catch((error: unknown) => error);
    });
    expect(await late).toMatchObject(closed);
    expect(await ledger.balance("1000")).toBe(7n);
    expect(await entriesSum(ledger, "1000")).toBe(7n);

    await expect(
      ledger.withTransaction(async (scope) => {
        void scope.post(invest(9n, "rolled back")).catch(() => undefined);
        throw new Error("host failed");
      }),
    ).rejects.toThrow("host failed");
    expect(await ledger.balance("1000")).toBe(7n);
    expect(await entriesSum(ledger, "1000")).toBe(7n);
  });
}
