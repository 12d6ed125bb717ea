import { ValidationError } from "@atom/errors";
import { currencyExponent } from "./money.js";
import type { Account, AccountType } from "./types.js";

/**
 * The chart revenue recognition posts to. Each kind is one account **per currency**, coded `<base>-<currency>`:
 * a USD invoice posts to `2200-USD`, a JPY one to `2200-JPY`. The ledger creates them on first use.
 */
export const RECOGNITION_ACCOUNTS: {
  /** 1000 Cash (asset): debited by a deferral paid in advance (`1000-USD`…). */
  readonly cash: RecognitionAccount;
  /** 1200 Accounts Receivable (asset): debited by a deferral billed in advance, and by revenue billed on delivery. */
  readonly receivable: RecognitionAccount;
  /** 2200 Deferred Revenue (liability): credited by deferrals, debited by recognition. */
  readonly deferredRevenue: RecognitionAccount;
  /** 4000 Service Revenue (revenue): credited by recognition. */
  readonly serviceRevenue: RecognitionAccount;
} = {
  cash: { code: "1000", name: "Cash", type: "asset" },
  receivable: { code: "1200", name: "Accounts Receivable", type: "asset" },
  deferredRevenue: { code: "2200", name: "Deferred Revenue", type: "liability" },
  serviceRevenue: { code: "4000", name: "Service Revenue", type: "revenue" },
};

/** One of the {@link RECOGNITION_ACCOUNTS}: its base code, before the currency suffix. */
export interface RecognitionAccount {
  /** The base chart code (`2200`); the account's code is `2200-<currency>`. */
  readonly code: string;
  /** The account's name (the currency is appended). */
  readonly name: string;
  /** The account's type. */
  readonly type: AccountType;
}

/**
 * The account a kind of recognition account has in a currency: `recognitionAccount("deferredRevenue", "JPY")` is
 * `{ code: "2200-JPY", name: "Deferred Revenue (JPY)", type: "liability", currency: "JPY", allowNegative: false }`.
 * @throws {ValidationError} naming `kind` for an unknown kind, or `currency` for a code that is not ISO 4217
 */
export function recognitionAccount(kind: keyof typeof RECOGNITION_ACCOUNTS, currency: string): Account {
  if (typeof kind !== "string" || !Object.hasOwn(RECOGNITION_ACCOUNTS, kind)) {
    throw new ValidationError({
      field: "kind",
      message: `[@atom/ledger] recognitionAccount: kind must be one of ${Object.keys(RECOGNITION_ACCOUNTS).join(", ")}`,
    });
  }
  currencyExponent(currency);
  const base = RECOGNITION_ACCOUNTS[kind];
  return { code: `${base.code}-${currency}`, name: `${base.name} (${currency})`, type: base.type, currency, allowNegative: false };
}

const DEFERRED_CODE = new RegExp(`^${RECOGNITION_ACCOUNTS.deferredRevenue.code}-[A-Z]{3}$`);

/** @internal Whether `code` is a deferred revenue account of the recognition chart (`2200-<currency>`). */
export function isDeferredRevenueCode(code: string): boolean {
  return DEFERRED_CODE.test(code);
}
