import { z } from "zod";
import { MAX_AMOUNT } from "./money.js";
import { isCurrency } from "./money.js";

const code = z.string().regex(/^[A-Za-z0-9_.:-]{1,32}$/, "account codes are 1-32 characters of letters, digits and _ . : -");
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
    for (const [key, item] of Object.entries(value)) stack.push({ value: item, path: [...path, key] });
  }
  return undefined;
}

const metadataSchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const problem = jsonProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
}) as unknown as z.ZodType<Record<string, Json>>;

export const accountSchema = z.object({
  code,
  name: z.string().min(1).max(200),
  type: accountType,
  currency: currencySchema,
  allowNegative: z.boolean().default(false),
});

export const entrySchema = z.object({
  account: code,
  side: z.enum(["debit", "credit"]),
  amount,
  currency: currencySchema.optional(),
});

export const sourceRefSchema = z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(128) });

export const postSchema = z.object({
  entries: z.array(entrySchema).min(2, "a transaction needs at least 2 entries").max(500),
  description: z.string().min(1).max(500),
  idempotencyKey: z.string().min(1).max(200).optional(),
  effectiveAt: z.date().refine((d) => !Number.isNaN(d.getTime()), "must be a valid date").optional(),
  sourceRef: sourceRefSchema.optional(),
  metadata: metadataSchema.optional(),
  autoCreate: z.array(accountSchema).max(500).optional(),
});

export const reverseSchema = z.object({ reason: z.string().min(1, "is required").max(400) });

export const invoiceSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  customerId: z.string().min(1).max(128),
  amount,
  currency: currencySchema,
  description: z.string().max(500).default(""),
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

export const statementSchema = z.object({
  from: z.date().optional(),
  to: z.date().optional(),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
