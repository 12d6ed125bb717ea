import { z } from "zod";
import { NodeInputError } from "../errors.js";
import { parsePath, readPath } from "../template.js";
import { MatchBudget, MAX_MATCH_INPUT, MAX_MATCH_WORK, MAX_PATTERN_LENGTH, patternProblem, testPattern } from "./regex.js";

/** Every condition operator. */
export const CONDITION_TYPES = [
  "equals",
  "not_equals",
  "contains",
  "not_contains",
  "greater_than",
  "less_than",
  "greater_or_equal",
  "less_or_equal",
  "exists",
  "not_exists",
  "starts_with",
  "ends_with",
  "in",
  "matches",
] as const;

/** A condition operator. */
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** One comparison: `field` (a path into the data) compared to `value` with `conditionType`. */
export interface SimpleCondition {
  /** The operator. */
  conditionType: ConditionType;
  /** Dotted path into the node input (`user.age`, `items.0.id`); `""` compares the input itself. */
  field: string;
  /** The value compared against (templates allowed). Unused by `exists`/`not_exists`. */
  value?: unknown;
  /** Compare strings case-insensitively. @default false */
  ignoreCase?: boolean;
}

/** A comparison or an `all`/`any` group of conditions. */
export type Condition = SimpleCondition | AllCondition | AnyCondition;

/** True when every condition is. */
export interface AllCondition {
  /** The conditions. */
  all: Condition[];
}

/** True when at least one condition is. */
export interface AnyCondition {
  /** The conditions. */
  any: Condition[];
}

const fieldSchema = z.string().max(500).refine((field) => field === "" || safePath(field), "invalid or forbidden path");

function safePath(field: string): boolean {
  try {
    parsePath(field);
    return true;
  } catch {
    return false;
  }
}

const simpleSchema = z
  .object({
    conditionType: z.enum(CONDITION_TYPES),
    field: fieldSchema,
    value: z.unknown().optional(),
    ignoreCase: z.boolean().optional(),
  })
  .superRefine((condition, ctx) => {
    if (condition.conditionType !== "matches" || typeof condition.value !== "string") return;
    const problem =
      condition.value.includes("{{") && condition.value.length <= MAX_PATTERN_LENGTH ? undefined : patternProblem(condition.value, condition.ignoreCase ?? false);
    if (problem) ctx.addIssue({ code: "custom", path: ["value"], message: problem });
  });

/** zod schema of a {@link Condition}. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    simpleSchema,
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
  ]),
) as z.ZodType<Condition>;

/** What a condition found. */
export interface ConditionOutcome {
  /** Whether the condition holds. */
  condition_met: boolean;
  /** The compared path (simple conditions). */
  field?: string;
  /** The value found at `field`. */
  value?: unknown;
}

function fail(field: string, reason: string): never {
  throw new NodeInputError({ field, reason });
}

function number(value: unknown, field: string, role: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) fail(field, `${role} must be a number for a numeric comparison`);
  return value;
}

function text(value: unknown, field: string, role: string, ignoreCase: boolean): string {
  if (typeof value !== "string") fail(field, `${role} must be a string`);
  return ignoreCase ? value.toLowerCase() : value;
}

function equal(a: unknown, b: unknown, ignoreCase: boolean): boolean {
  if (ignoreCase && typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (a === b) return true;
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

function contains(haystack: unknown, needle: unknown, field: string, ignoreCase: boolean): boolean {
  if (Array.isArray(haystack)) return haystack.some((entry) => equal(entry, needle, ignoreCase));
  if (typeof haystack === "string") return text(haystack, field, "field", ignoreCase).includes(text(needle, field, "value", ignoreCase));
  return fail(field, "field must be a string or an array for contains");
}

function compare(type: ConditionType, actual: unknown, expected: unknown, field: string, ignoreCase: boolean, budget: MatchBudget): boolean {
  switch (type) {
    case "equals":
      return equal(actual, expected, ignoreCase);
    case "not_equals":
      return !equal(actual, expected, ignoreCase);
    case "contains":
      return contains(actual, expected, field, ignoreCase);
    case "not_contains":
      return !contains(actual, expected, field, ignoreCase);
    case "greater_than":
      return number(actual, field, "field") > number(expected, field, "value");
    case "less_than":
      return number(actual, field, "field") < number(expected, field, "value");
    case "greater_or_equal":
      return number(actual, field, "field") >= number(expected, field, "value");
    case "less_or_equal":
      return number(actual, field, "field") <= number(expected, field, "value");
    case "exists":
      return actual !== undefined && actual !== null;
    case "not_exists":
      return actual === undefined || actual === null;
    case "starts_with":
      return text(actual, field, "field", ignoreCase).startsWith(text(expected, field, "value", ignoreCase));
    case "ends_with":
      return text(actual, field, "field", ignoreCase).endsWith(text(expected, field, "value", ignoreCase));
    case "in":
      if (!Array.isArray(expected)) fail(field, "value must be an array for in");
      return expected.some((entry) => equal(actual, entry, ignoreCase));
    case "matches": {
      const pattern = text(expected, field, "value", false);
      const problem = patternProblem(pattern, ignoreCase);
      if (problem) fail(field, `value: ${problem}`);
      const subject = text(actual, field, "field", false);
      if (subject.length > MAX_MATCH_INPUT) fail(field, `field longer than ${MAX_MATCH_INPUT} characters for matches`);
      if (!budget.charge(pattern, ignoreCase, subject)) {
        fail(field, `matches work over ${MAX_MATCH_WORK} (pattern instructions × field characters) in one node`);
      }
      return testPattern(pattern, ignoreCase, subject);
    }
  }
}

/**
 * Evaluates a condition against `data` (fields are own-property paths into it).
 * @param budget the `matches` work this evaluation may spend; share one across the evaluations of one node
 * execution (a `filter` shares it across items). @default a fresh budget of `MAX_MATCH_WORK`
 * @throws NodeInputError (`NODE_INPUT_INVALID`) when operand types do not fit the operator, or `matches` tests
 * would spend more than the budget.
 */
export function evaluateCondition(condition: Condition, data: unknown, budget: MatchBudget = new MatchBudget()): ConditionOutcome {
  if ("all" in condition) return { condition_met: condition.all.every((c) => evaluateCondition(c, data, budget).condition_met) };
  if ("any" in condition) return { condition_met: condition.any.some((c) => evaluateCondition(c, data, budget).condition_met) };
  const actual = condition.field === "" ? data : readPath(data, parsePath(condition.field));
  const met = compare(condition.conditionType, actual, condition.value, condition.field || "input", condition.ignoreCase ?? false, budget);
  return { condition_met: met, field: condition.field, value: actual };
}
