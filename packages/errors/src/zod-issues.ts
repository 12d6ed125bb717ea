import { ValidationError, type ValidationIssue } from "./builtins.js";
import { readProperty } from "./read-property.js";

/** The shape of a zod error this package reads (zod 3 and 4, classic and mini). */
export interface ZodErrorLike {
  /** The issues, one per problem. */
  issues: ReadonlyArray<ZodIssueLike>;
}

/** One issue of a {@link ZodErrorLike}. */
export interface ZodIssueLike {
  /** The path to the offending field, e.g. `["user", "email"]`. */
  path: ReadonlyArray<PropertyKey>;
  /** What is wrong. */
  message: string;
  /** zod's issue code, e.g. `invalid_type`. */
  code?: string;
  /** The unknown keys of an `unrecognized_keys` issue (a strict object). */
  keys?: ReadonlyArray<PropertyKey>;
}

/** True when `value` looks like a `ZodError` (checked by shape, so any zod copy works). */
export function isZodError(value: unknown): value is ZodErrorLike & Error {
  if (!(value instanceof Error)) return false;
  const name = readProperty(value, "name");
  return (name === "ZodError" || name === "$ZodError") && Array.isArray(readProperty(value, "issues"));
}

/**
 * Turns zod issues into plain {@link ValidationIssue}s. An unknown key of a strict object becomes an issue of its
 * own at its own path, so the field named is the misspelled key (`options.user_id`), not the object holding it.
 */
export function issuesFromZod(error: ZodErrorLike): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map((key) => (typeof key === "number" ? key : String(key)));
    const code = issue.code ?? "custom";
    if (code === "unrecognized_keys" && Array.isArray(issue.keys) && issue.keys.length > 0) {
      return issue.keys.map((key) => ({ path: [...path, String(key)], message: "is not a known key", code }));
    }
    return [{ path, message: issue.message, code }];
  });
}

/** Options of {@link validationErrorFromZod}. */
export interface FromZodOptions {
  /** Prefix for the message, such as `[@atom/ledger] post`. */
  context?: string;
  /** Path prepended to every issue (`body`, `query`). */
  at?: string;
}

/**
 * Turns a `ZodError` into a {@link ValidationError} whose message names the first offending field. The `context`
 * prefix stays in `message` (for logs); clients get the message without it.
 * @example validationErrorFromZod(err, { context: "[@atom/ledger] post" }).message
 * // '[@atom/ledger] post: "entries.0.amount" Expected bigint'
 */
export function validationErrorFromZod(error: ZodErrorLike, options: FromZodOptions = {}): ValidationError {
  const prefix = options.at ? [options.at] : [];
  const issues = issuesFromZod(error).map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
  const first = issues[0];
  const field = first?.path.join(".") ?? "";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  const what = field ? `"${field}" ${first?.message ?? "is invalid"}` : (first?.message ?? "Validation failed");
  const publicMessage = `${what}${more}`;
  const message = options.context ? `${options.context}: ${publicMessage}` : publicMessage;
  return new ValidationError({ message, publicMessage, field, issues, cause: error });
}
