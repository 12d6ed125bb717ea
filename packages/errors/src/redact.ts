import { ValidationError } from "./builtins.js";
import { jsonString } from "./json-text.js";

/** Keys whose values are replaced by `[REDACTED]` in rendered details (matched case-insensitively, anywhere in the key). */
export const DEFAULT_REDACT_PATTERN =
  /pass(word|wd)?|secret|token|authorization|api[-_]?key|cookie|credential|private[-_]?key|code[-_]?verifier/i;

const MAX_DEPTH = 8;

/** Values the walker copies at most; the rest is `"[Truncated]"`, so details of any size render in bounded time. */
const MAX_VALUES = 10_000;

/** Keys the one-pass writer handles; more go to the walker, which bounds them. */
const MAX_FLAT_KEYS = 1_000;

/**
 * `pattern.test(key)` from the start of the key: a global or sticky pattern keeps `lastIndex` between tests, so the
 * same key could match once and then miss.
 */
function isRedactedKey(pattern: RegExp, key: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(key);
}

/**
 * The JSON text of `details` when it is already safe JSON: a plain object whose own values are strings, booleans,
 * finite numbers or `null`, with no key matching `pattern`; `""` when it has no keys. It writes exactly what
 * `JSON.stringify` writes, in one pass that also checks. `undefined` means "walk it with {@link toSafeJson}".
 * @internal
 */
export function flatDetailsJson(details: Record<string, unknown>, pattern: RegExp): string | undefined {
  let json = "";
  let keys = 0;
  try {
    if (Object.getPrototypeOf(details) !== Object.prototype) return undefined;
    for (const key in details) {
      if (++keys > MAX_FLAT_KEYS || !Object.hasOwn(details, key) || isRedactedKey(pattern, key)) return undefined;
      const value = details[key];
      let text: string;
      if (typeof value === "string") text = jsonString(value);
      else if (typeof value === "number" && Number.isFinite(value)) text = String(value);
      else if (typeof value === "boolean") text = value ? "true" : "false";
      else if (value === null) text = "null";
      else return undefined;
      json += `${json === "" ? "{" : ","}${jsonString(key)}:${text}`;
    }
  } catch {
    // A getter or Proxy trap that throws: the walker reads it again and records it as unreadable.
    return undefined;
  }
  return json === "" ? "" : `${json}}`;
}

/**
 * Copies `value` into plain JSON: secrets redacted by key, circular references as `"[Circular]"`, `BigInt` as a
 * string, `Date` as ISO text, errors as `{ name, message }`, buffers as `"[Binary N bytes]"`, functions and symbols
 * dropped, depth (8) and size (10,000 values, then `"[Truncated]"`) capped.
 * Never throws for `value`.
 * @throws {ValidationError} (`VALIDATION_ERROR`, field `pattern`) when `pattern` is not a `RegExp`
 */
export function toSafeJson(value: unknown, pattern: RegExp = DEFAULT_REDACT_PATTERN): unknown {
  if (!(pattern instanceof RegExp)) {
    throw new ValidationError({ field: "pattern", message: "[@atom/errors] toSafeJson: pattern must be a RegExp" });
  }
  const seen = new WeakSet<object>();
  let budget = MAX_VALUES;
  const walk = (v: unknown, depth: number): unknown => {
    if (--budget < 0) return "[Truncated]";
    try {
      return walkValue(v, depth);
    } catch {
      // A Proxy whose traps throw (or a revoked one): nothing of it can be read.
      return "[Unreadable]";
    }
  };
  const walkValue = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
    if (typeof v === "bigint") return v.toString();
    if (typeof v !== "object") return undefined;
    if (seen.has(v)) return "[Circular]";
    if (depth >= MAX_DEPTH) return "[Truncated]";
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (ArrayBuffer.isView(v)) return `[Binary ${v.byteLength} bytes]`;
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        // Only as many items as the budget has left: a sparse array of 2³² - 1 holes is read in bounded time.
        const out: unknown[] = [];
        for (let i = 0; i < v.length && budget > 0; i++) out.push(walk(v[i], depth + 1) ?? null);
        if (out.length < v.length) out.push("[Truncated]");
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        if (budget <= 0) {
          out[key] = "[Truncated]";
          break;
        }
        let item: unknown;
        try {
          item = (v as Record<string, unknown>)[key];
        } catch {
          item = "[Unreadable]";
        }
        const safe = isRedactedKey(pattern, key) ? "[REDACTED]" : walk(item, depth + 1);
        if (safe !== undefined) out[key] = safe;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}
