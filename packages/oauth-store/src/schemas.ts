import { z } from "zod";
import { OAUTH_STORE_LIMITS as L } from "./limits.js";
import type { OAuthStoreAdapter } from "./types.js";

/**
 * Schemas of the public inputs. Every string is capped, free of NUL and lone surrogates; every object is strict, so a
 * misspelled key (`user_id`, `expires_in`) is refused by name instead of silently turning a check or an expiry off.
 * @internal
 */

const LONE_SURROGATE = /\p{Cs}/u;
/** No NUL (it breaks Postgres text and jsonb) and no lone UTF-16 surrogate (not valid Unicode). One regex: this runs on every call. */
const SAFE_TEXT = /^[^\u0000\p{Cs}]*$/u;
/** Ids: no control characters (C0, DEL, C1), no lone surrogates, no leading or trailing whitespace. */
const ID = /^(?!\s)[^\p{Cc}\p{Cs}]*(?<!\s)$/u;
/** RFC 6749 appendix A: tokens are VSCHAR (printable ASCII, below); scope-tokens also exclude space, `"` and `\`. */
const SCOPE_TOKEN = /^[\u0021\u0023-\u005B\u005D-\u007E]+$/;

const sized = (max: number) => z.string().min(1, "must be a non-empty string").max(max, `must be at most ${max} characters`);
const text = (max: number) => sized(max).regex(SAFE_TEXT, "must not contain NUL characters or lone UTF-16 surrogates");

/** A user id or provider key: 1-255 characters, no control characters, no surrounding whitespace. */
export const idSchema = sized(L.id).regex(ID, "must have no control characters, lone surrogates or surrounding whitespace");

// One check instead of min + max + regex: tokens are validated on every save and refresh.
const tokenSchema = z.string().regex(new RegExp(`^[\\u0020-\\u007E]{1,${L.token}}$`), `must be 1-${L.token} characters of printable ASCII (RFC 6749 VSCHAR)`);
const tokenTypeSchema = sized(L.tokenType).regex(SCOPE_TOKEN, "must be printable ASCII without spaces");
const scopeSchema = sized(L.scope).regex(SCOPE_TOKEN, "must be one RFC 6749 scope-token (printable ASCII, no space, quote or backslash)");
const scopeListSchema = z.array(scopeSchema).max(L.scopes, `must have at most ${L.scopes} entries`);

const scopesSchema = z
  .union([z.string().max(L.scopeString, `must be at most ${L.scopeString} characters`), scopeListSchema])
  .transform((scopes) => (typeof scopes === "string" ? scopes.split(/\s+/).filter(Boolean) : scopes))
  .pipe(scopeListSchema);

type JsonProblem = { message: string; path: (string | number)[] };

/**
 * Why `value` is not plain JSON within `maxDepth` levels and `budget.left` values, with the path to the culprit;
 * undefined when it is. The value budget stops an object graph that shares children (a "DAG bomb") from making the
 * walk, and the JSON.stringify after it, exponential.
 */
function jsonProblem(value: unknown, maxDepth: number, budget: { left: number }, path: (string | number)[] = []): JsonProblem | undefined {
  if (--budget.left < 0) return { message: `must have at most ${L.jsonValues} values`, path: [] };
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : { message: "must be a finite number", path };
  if (typeof value === "string") {
    if (value.includes("\u0000")) return { message: "must not contain NUL characters", path };
    return LONE_SURROGATE.test(value) ? { message: "must not contain lone UTF-16 surrogates", path } : undefined;
  }
  if (typeof value !== "object") return { message: "must be JSON (no functions, symbols, bigints or undefined)", path };
  if (path.length >= maxDepth) return { message: `must be nested at most ${maxDepth} levels deep`, path };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = jsonProblem(item, maxDepth, budget, [...path, i]);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return { message: "must be a plain JSON object (no Date, Map or class instance)", path };
  for (const [key, item] of Object.entries(value)) {
    // An own `__proto__` (JSON.parse makes one) is dropped by a copy and sets the prototype of a re-parse: refuse it.
    if (key === "__proto__") return { message: "is not allowed as a JSON key", path: [...path, key] };
    const problem = jsonProblem(key, maxDepth, budget, [...path, key]) ?? jsonProblem(item, maxDepth, budget, [...path, key]);
    if (problem) return problem;
  }
  return undefined;
}

// The walk runs on the input itself, before the record copies it: the copy would drop an own `__proto__` key unseen.
const jsonObject = (maxBytes: number) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        ctx.addIssue({ code: "custom", message: "must be a plain JSON object" });
        return;
      }
      const problem = jsonProblem(value, L.jsonDepth, { left: L.jsonValues });
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
        return;
      }
      if (Buffer.byteLength(JSON.stringify(value), "utf8") > maxBytes) {
        ctx.addIssue({ code: "custom", message: `must be at most ${maxBytes} bytes as JSON` });
      }
    })
    .pipe(z.record(z.string(), z.unknown()));

const dateSchema = z
  .date({ error: "must be a valid Date" })
  .refine((d) => d.getTime() >= 0 && d.getTime() <= L.maxTime, "must fall between 1970 and 9999");

const positiveInt = (max: number) => z.number().int().positive().max(max);

export const storeOptionsSchema = z.strictObject({
  adapter: z.custom<OAuthStoreAdapter>((v) => typeof v === "object" && v !== null, "must be an adapter object").optional(),
  // Checked in full by the sealer, which names the key it refuses.
  encryption: z.unknown().optional(),
  clock: z.custom<() => Date>((v) => typeof v === "function", "must be a function returning a Date").optional(),
  stateTtl: z.number().positive().max(L.stateTtl).default(600),
  refreshLockTtl: z.number().positive().max(L.refreshLockTtl).default(30),
  refreshWait: z
    .strictObject({ intervalMs: positiveInt(60_000).default(50), timeoutMs: positiveInt(600_000).default(10_000) })
    .default({ intervalMs: 50, timeoutMs: 10_000 }),
  redact: z.array(text(L.token)).max(L.redact).default([]),
});

export const createStateSchema = z.strictObject({
  userId: idSchema,
  provider: idSchema,
  scopes: scopeListSchema.default([]),
  redirectUri: text(L.url)
    .pipe(z.url())
    .refine((v) => !v.includes("#"), "must not have a fragment (RFC 6749 section 3.1.2)")
    .optional(),
  pkce: z.boolean().default(false),
  metadata: jsonObject(L.metadataBytes).optional(),
});

export const stateValueSchema = text(L.state);
export const consumeOptionsSchema = z.strictObject({ provider: idSchema, userId: idSchema.optional() });

const expiry = {
  expiresAt: dateSchema.nullable().optional(),
  expiresIn: z.number().nonnegative().max(L.expiresIn, `must be at most ${L.expiresIn} seconds`).optional(),
};
const oneExpiry = { message: "give expiresAt or expiresIn, not both", path: ["expiresIn"] };
const hasOneExpiry = (v: { expiresAt?: Date | null | undefined; expiresIn?: number | undefined }) =>
  v.expiresIn === undefined || v.expiresAt === undefined || v.expiresAt === null;

export const saveTokensSchema = z
  .strictObject({
    userId: idSchema,
    provider: idSchema,
    accessToken: tokenSchema,
    refreshToken: tokenSchema.nullable().optional(),
    ...expiry,
    scopes: scopesSchema.default([]),
    tokenType: tokenTypeSchema.default("Bearer"),
    raw: jsonObject(L.rawBytes).optional(),
  })
  .refine(hasOneExpiry, oneExpiry);

export const refreshedSchema = z
  .strictObject({
    accessToken: tokenSchema,
    refreshToken: tokenSchema.nullable().optional(),
    ...expiry,
    scopes: scopesSchema.optional(),
    tokenType: tokenTypeSchema.optional(),
    raw: jsonObject(L.rawBytes).optional(),
  })
  .refine(hasOneExpiry, oneExpiry);

export const purgeSchema = z.strictObject({
  before: dateSchema.optional(),
  limit: positiveInt(100_000).default(1000),
});

export const batchSchema = z.strictObject({ batchSize: positiveInt(10_000).default(500) });

const skewSeconds = z.number().nonnegative().max(L.skewSeconds).default(60);

export const isExpiredSchema = z.object({
  token: z.object({ expiresAt: dateSchema.nullable() }),
  options: z.strictObject({ skewSeconds }).default({ skewSeconds: 60 }),
});

export const validAccessTokenOptionsSchema = z.strictObject({
  refresh: z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", "must be a function"),
  skewSeconds,
});
