/** Keys whose values are replaced by `[REDACTED]` in rendered details (matched case-insensitively, anywhere in the key). */
export const DEFAULT_REDACT_PATTERN =
  /pass(word|wd)?|secret|token|authorization|api[-_]?key|cookie|credential|private[-_]?key|code[-_]?verifier/i;

const MAX_DEPTH = 8;

/**
 * `details` itself when it is already safe JSON: every value a string, boolean, finite number or `null`, and no key
 * matching `pattern`. Saves the deep copy for the common case of a few flat fields; `undefined` means "walk it".
 * @internal
 */
export function flatSafeJson(details: Record<string, unknown>, pattern: RegExp): Record<string, unknown> | undefined {
  if (Object.getPrototypeOf(details) !== Object.prototype) return undefined;
  for (const key in details) {
    if (!Object.hasOwn(details, key) || pattern.test(key)) return undefined;
    const value = details[key];
    if (value === null || typeof value === "string" || typeof value === "boolean") continue;
    if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  }
  return details;
}

/**
 * Copies `value` into plain JSON: secrets redacted by key, circular references as `"[Circular]"`, `BigInt` as a
 * string, `Date` as ISO text, errors as `{ name, message }`, functions and symbols dropped, depth capped.
 * Never throws.
 */
export function toSafeJson(value: unknown, pattern: RegExp = DEFAULT_REDACT_PATTERN): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
    if (typeof v === "bigint") return v.toString();
    if (typeof v !== "object") return undefined;
    if (seen.has(v)) return "[Circular]";
    if (depth >= MAX_DEPTH) return "[Truncated]";
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1) ?? null);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        let item: unknown;
        try {
          item = (v as Record<string, unknown>)[key];
        } catch {
          item = "[Unreadable]";
        }
        const safe = pattern.test(key) ? "[REDACTED]" : walk(item, depth + 1);
        if (safe !== undefined) out[key] = safe;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}
