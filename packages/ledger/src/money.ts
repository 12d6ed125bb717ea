import { ValidationError } from "@atom/errors";
import { CURRENCY_EXPONENTS } from "./iso4217.js";

/** The largest amount the ledger stores: 2^63 − 1 minor units (Postgres `bigint`). */
export const MAX_AMOUNT = 2n ** 63n - 1n;

/** An amount of money: integer minor units (cents for USD) and an ISO 4217 code. */
export interface Money {
  /** Minor units (cents for USD). */
  amount: bigint;
  /** ISO 4217. */
  currency: string;
}

/**
 * The number of decimal places of an ISO 4217 currency, from the complete ISO table: 0 for JPY, 2 for USD, 3 for
 * KWD and IQD, 4 for CLF and UYW.
 * @throws {ValidationError} when `currency` is not an active ISO 4217 code with minor units (`"usd"`, `"ABC"`, `"XAU"`)
 */
export function currencyExponent(currency: string): number {
  const exponent = typeof currency === "string" ? CURRENCY_EXPONENTS.get(currency) : undefined;
  if (exponent === undefined) {
    throw new ValidationError({ field: "currency", message: `[@atom/ledger] currency must be an ISO 4217 code such as "USD" (got ${JSON.stringify(currency)})` });
  }
  return exponent;
}

/** True when `currency` is an active ISO 4217 code with minor units (see {@link currencyExponent}). */
export function isCurrency(currency: string): boolean {
  return CURRENCY_EXPONENTS.has(currency);
}

/**
 * Parses a decimal string into integer minor units, strictly by the currency's exponent. No floating point is
 * involved: `money("12.34", "USD")` is `{ amount: 1234n, currency: "USD" }`.
 *
 * @throws {ValidationError} for numbers (pass strings), more decimals than the currency has ("12.345" USD),
 *   negative or malformed text, or more than 2^63 − 1 minor units
 */
export function money(value: string, currency: string): Money {
  const exponent = currencyExponent(currency);
  if (typeof value !== "string") {
    throw new ValidationError({ field: "amount", message: "[@atom/ledger] money: amount must be a decimal string such as \"12.34\", not a number" });
  }
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) {
    throw new ValidationError({ field: "amount", message: `[@atom/ledger] money: ${JSON.stringify(value)} is not a non-negative decimal amount` });
  }
  const [, whole = "0", fraction = ""] = match;
  if (fraction.length > exponent) {
    throw new ValidationError({
      field: "amount",
      message: `[@atom/ledger] money: ${currency} has ${exponent} decimal place${exponent === 1 ? "" : "s"}; ${JSON.stringify(value)} has ${fraction.length}`,
    });
  }
  const amount = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, "0") || "0");
  if (amount > MAX_AMOUNT) {
    throw new ValidationError({ field: "amount", message: "[@atom/ledger] money: amount exceeds 2^63 - 1 minor units" });
  }
  return { amount, currency };
}

/**
 * Formats minor units as a decimal string: `formatMoney(1234n, "USD")` is `"12.34"`; negatives keep their sign.
 * @throws {ValidationError} naming `amount` when it is not a `bigint` (a number such as `12.5` has no exact minor units)
 */
export function formatMoney(amount: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  if (typeof amount !== "bigint") {
    throw new ValidationError({ field: "amount", message: `[@atom/ledger] formatMoney: amount must be a bigint of minor units such as 1234n, not ${typeof amount}` });
  }
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(exponent + 1, "0");
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const text = exponent === 0 ? whole : `${whole}.${digits.slice(-exponent)}`;
  return negative ? `-${text}` : text;
}
