import { signedAmount } from "./accounting.js";
import {
  LedgerAccountNotFoundError,
  LedgerBalanceOutOfRangeError,
  LedgerCurrencyMismatchError,
  LedgerNormalBalanceViolationError,
  LedgerUnbalancedError,
} from "./errors.js";
import { MAX_AMOUNT } from "./money.js";
import type { AccountBalance, Entry, PostingRequest } from "./types.js";

/** What {@link checkPosting} found a posting does to its accounts. */
export interface CheckedPosting {
  /** The entries with each currency resolved from its account. */
  entries: Entry[];
  /** Each touched account's balance after the posting, by code. */
  balances: Map<string, bigint>;
}

/**
 * The lowest balance an account reaches at or after a time, given its balance over every entry and the net
 * changes of the entries effective after that time (oldest first). It is the balance to check a backdated
 * decrease against: spending on March 15 must not overdraw March 15 … today, even if today's balance allows it.
 */
export function lowestBalanceSince(balance: bigint, laterChanges: readonly bigint[]): bigint {
  let running = laterChanges.reduce((sum, change) => sum - change, balance);
  let lowest = running;
  for (const change of laterChanges) {
    running += change;
    if (running < lowest) lowest = running;
  }
  return lowest;
}

/**
 * The ledger's posting rules, for storages that apply postings themselves (memory, your own): every account
 * exists, every entry's currency is its account's, debits equal credits per currency, no balance passes
 * ±(2^63 − 1), and no account that forbids negatives goes below zero at any time from `effectiveAt` on.
 * Call it with the accounts locked; it throws the ledger's typed errors and changes nothing.
 *
 * @param accounts the touched accounts with their balances over every entry
 * @param lowestSince the lowest balance of an account at or after `request.effectiveAt` (see {@link lowestBalanceSince});
 *   asked only for accounts the posting decreases and that forbid negatives
 * @throws LedgerAccountNotFoundError, LedgerCurrencyMismatchError, LedgerUnbalancedError,
 *   LedgerBalanceOutOfRangeError, LedgerNormalBalanceViolationError
 */
export async function checkPosting(
  request: PostingRequest,
  accounts: readonly AccountBalance[],
  lowestSince: (account: AccountBalance) => bigint | Promise<bigint>,
): Promise<CheckedPosting> {
  const byCode = new Map(accounts.map((account) => [account.code, account]));
  const entries: Entry[] = [];
  const sums = new Map<string, { debits: bigint; credits: bigint }>();
  const changes = new Map<string, bigint>();
  const lastDecrease = new Map<string, number>();
  for (const [index, entry] of request.entries.entries()) {
    const account = byCode.get(entry.account);
    if (!account) throw new LedgerAccountNotFoundError({ account: entry.account, entry: index });
    if (entry.currency !== null && entry.currency !== account.currency) {
      throw new LedgerCurrencyMismatchError({ entry: index, account: account.code, expected: account.currency, actual: entry.currency });
    }
    entries.push({ account: entry.account, side: entry.side, amount: entry.amount, currency: account.currency });
    const sum = sums.get(account.currency) ?? { debits: 0n, credits: 0n };
    if (entry.side === "debit") sum.debits += entry.amount;
    else sum.credits += entry.amount;
    sums.set(account.currency, sum);
    const change = signedAmount(account.type, entry.side, entry.amount);
    changes.set(account.code, (changes.get(account.code) ?? 0n) + change);
    if (change < 0n) lastDecrease.set(account.code, index);
  }
  for (const [currency, sum] of sums) {
    if (sum.debits !== sum.credits) throw new LedgerUnbalancedError({ currency, debits: sum.debits.toString(), credits: sum.credits.toString() });
  }
  const balances = new Map<string, bigint>();
  for (const [code, change] of [...changes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const account = byCode.get(code) as AccountBalance;
    const final = account.balance + change;
    if (final > MAX_AMOUNT || final < -MAX_AMOUNT) throw new LedgerBalanceOutOfRangeError({ account: code });
    if (change < 0n && !account.allowNegative) {
      const lowest = (await lowestSince(account)) + change;
      if (lowest < 0n) {
        throw new LedgerNormalBalanceViolationError({ account: code, entry: lastDecrease.get(code) ?? 0, balance: lowest.toString() });
      }
    }
    balances.set(code, final);
  }
  return { entries, balances };
}
