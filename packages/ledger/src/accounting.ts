import type { AccountType, EntryTotals, NormalSide } from "./types.js";

/** The side that increases each account type. */
export const NORMAL_SIDE: Readonly<Record<AccountType, NormalSide>> = {
  asset: "debit",
  expense: "debit",
  liability: "credit",
  equity: "credit",
  revenue: "credit",
};

/** How an entry changes a balance kept on the account's normal side: +amount on that side, −amount on the other. */
export function signedAmount(type: AccountType, side: NormalSide, amount: bigint): bigint {
  return NORMAL_SIDE[type] === side ? amount : -amount;
}

/** A balance on the account's normal side from debit and credit totals. */
export function balanceFromTotals(type: AccountType, totals: EntryTotals): bigint {
  return NORMAL_SIDE[type] === "debit" ? totals.debit - totals.credit : totals.credit - totals.debit;
}
