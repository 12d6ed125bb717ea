import { z } from "zod";
import { MAX_AMOUNT } from "./money.js";
import { isCurrency } from "./money.js";

/** @internal An account code. */
export const codeSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,32}$/, "account codes are 1-32 characters of letters, digits and _ . : -");
const code = codeSchema;

const NUL_FREE = [(value: string) => !value.includes("\u0000"), "must not contain NUL (\\u0000), which Postgres text refuses"] as const;

/** @internal Text every storage keeps: `min` to `max` characters, no NUL (`\u0000`). */
export const textSchema = (min: number, max: number) => z.string().min(min).max(max).refine(...NUL_FREE);

/** @internal The earliest and latest instants the ledger stores: the four-digit years of ISO 8601, 0001 to 9999 (UTC). */
export const DATE_LIMITS = { min: new Date("0001-01-01T00:00:00.000Z"), max: new Date("9999-12-31T23:59:59.999Z") } as const;

/** @internal True for a valid `Date` within {@link DATE_LIMITS}. */
export function isStorableDate(value: Date): boolean {
  const time = value.getTime();
  return time >= DATE_LIMITS.min.getTime() && time <= DATE_LIMITS.max.getTime();
}

/** @internal A valid `Date` every storage keeps as it is (Postgres `timestamptz` refuses year 0 and `+275760`). */
export const dateSchema = z.date().refine(isStorableDate, "must be a valid date from 0001-01-01 to 9999-12-31 (UTC)");
/** @internal An active ISO 4217 code with minor units. */
export const currencySchema = z.string().refine(isCurrency, "must be an ISO 4217 currency code such as USD");
const amount = z.bigint().positive("must be greater than 0").max(MAX_AMOUNT, "must be at most 2^63 - 1");
const accountType = z.enum(["asset", "liability", "equity", "revenue", "expense"]);

/** JSON values only (what a `jsonb` column stores and a fingerprint can hash): no bigint, Date, undefined, NaN. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Deepest nesting, most values and longest array accepted in a posting's `metadata`. */
export const METADATA_LIMITS = { depth: 32, values: 10_000, arrayLength: 1000 } as const;

/**
 * The first place where `root` is not plain JSON within {@link METADATA_LIMITS}, or `undefined`. Iterative, so a
 * hostile depth is refused with a path instead of overflowing the stack (a recursive schema would throw RangeError).
 */
function jsonProblem(root: unknown): { path: (string | number)[]; message: string } | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  let count = 0;
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value, path } = frame;
    if (++count > METADATA_LIMITS.values) return { path: [], message: `must hold at most ${METADATA_LIMITS.values} values` };
    if (typeof value === "string" && value.includes("\u0000")) return { path, message: "must not contain NUL (\\u0000), which jsonb refuses" };
    if (value === null || typeof value === "string" || typeof value === "boolean") continue;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) return { path, message: "must be a finite number" };
      continue;
    }
    if (typeof value !== "object") return { path, message: "must be a JSON value (no bigint, undefined, function or symbol)" };
    if (path.length >= METADATA_LIMITS.depth) return { path, message: `must be nested at most ${METADATA_LIMITS.depth} levels deep` };
    if (Array.isArray(value)) {
      if (value.length > METADATA_LIMITS.arrayLength) return { path, message: `must have at most ${METADATA_LIMITS.arrayLength} items` };
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return { path, message: "must be a plain JSON object (no Date, Map or class instance)" };
    for (const [key, item] of Object.entries(value)) {
      if (key.includes("\u0000")) return { path, message: "keys must not contain NUL (\\u0000), which jsonb refuses" };
      stack.push({ value: item, path: [...path, key] });
    }
  }
  return undefined;
}

const metadataSchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const problem = jsonProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
}) as unknown as z.ZodType<Record<string, Json>>;

// Every input object is strict: a misspelled key (`idempotency_key`) is a VALIDATION_ERROR naming it, never dropped.

export const accountSchema = z.strictObject({
  code,
  name: textSchema(1, 200),
  type: accountType,
  currency: currencySchema,
  allowNegative: z.boolean().default(false),
});

export const entrySchema = z.strictObject({
  account: code,
  side: z.enum(["debit", "credit"]),
  amount,
  currency: currencySchema.optional(),
});

export const sourceRefSchema = z.strictObject({ type: textSchema(1, 64), id: textSchema(1, 128) });

export const postSchema = z.strictObject({
  entries: z.array(entrySchema).min(2, "a transaction needs at least 2 entries").max(500),
  description: textSchema(1, 500),
  idempotencyKey: textSchema(1, 200).optional(),
  effectiveAt: dateSchema.optional(),
  sourceRef: sourceRefSchema.optional(),
  metadata: metadataSchema.optional(),
  autoCreate: z.array(accountSchema).max(500).optional(),
});

export const reverseSchema = z.strictObject({ reason: z.string().min(1, "is required").max(400).refine(...NUL_FREE) });

export const invoiceSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  customerId: textSchema(1, 128),
  amount,
  currency: currencySchema,
  description: textSchema(0, 500).default(""),
});

/** @internal An invoice as an `InvoiceSource` returns it, checked before the ledger posts from it. */
export const invoiceRecordSchema = z.object({
  id: z.string().min(1),
  customerId: z.string(),
  amount,
  currency: currencySchema,
  status: z.enum(["DRAFT", "OPEN", "PAID", "VOID"]),
  description: z.string(),
  createdAt: z.date(),
});

export const statementSchema = z.strictObject({
  from: dateSchema.optional(),
  to: dateSchema.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});

/** @internal The options of `balance`, `trialBalance` and `assertBalance`, without `client`. */
export const asOfSchema = z.strictObject({ asOf: dateSchema.optional() });

/** @internal An account named by a positional argument (`balance(account)`). */
export const accountArgumentSchema = z.strictObject({ account: codeSchema });

/** @internal The arguments of `assertBalance`. */
export const assertionSchema = z.strictObject({ account: codeSchema, expected: z.bigint() });

/** @internal A transaction named by a positional argument (`reverse(transactionId)`). */
export const transactionIdSchema = z.strictObject({ transactionId: textSchema(1, 128) });

/** @internal An invoice named by a positional argument (`getInvoice(invoiceId)`). */
export const invoiceIdSchema = z.strictObject({ invoiceId: textSchema(1, 128) });
