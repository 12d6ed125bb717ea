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

function spend(budget: MatchBudget, work: number, field: string): void {
  if (!budget.spend(work)) fail(field, `condition work over ${MAX_MATCH_WORK} (characters and values compared) in one node`);
}

/** The string `value`, lowercased for `ignoreCase`: lowercasing copies it, so its length is charged. */
function text(value: unknown, field: string, role: string, ignoreCase: boolean, budget: MatchBudget): string {
  if (typeof value !== "string") fail(field, `${role} must be a string`);
  if (!ignoreCase) return value;
  spend(budget, value.length, field);
  return value.toLowerCase();
}

/**
 * What `JSON.stringify(value)` reads: one per value, plus the characters of its strings and keys. The walk stops
 * once past `limit`, so measuring costs no more than the budget it is checked against.
 */
function jsonWork(value: unknown, limit: number): number {
  let work = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && work <= limit) {
    const next = stack.pop();
    work++;
    if (typeof next === "string") work += next.length;
    else if (Array.isArray(next)) for (const entry of next) stack.push(entry);
    else if (next !== null && typeof next === "object") {
      for (const key of Object.keys(next)) {
        work += key.length;
        stack.push((next as Record<string, unknown>)[key]);
      }
    }
  }
  return work;
}

function equal(a: unknown, b: unknown, ignoreCase: boolean, field: string, budget: MatchBudget): boolean {
  if (typeof a === "string" && typeof b === "string") {
    if (ignoreCase) return text(a, field, "field", true, budget) === text(b, field, "value", true, budget);
    spend(budget, Math.min(a.length, b.length) + 1, field);
    return a === b;
  }
  spend(budget, 1, field);
  if (a === b) return true;
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    spend(budget, jsonWork(a, budget.remaining) + jsonWork(b, budget.remaining), field);
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

function contains(haystack: unknown, needle: unknown, field: string, ignoreCase: boolean, budget: MatchBudget): boolean {
  if (Array.isArray(haystack)) return haystack.some((entry) => equal(entry, needle, ignoreCase, field, budget));
  if (typeof haystack === "string") {
    const subject = text(haystack, field, "field", ignoreCase, budget);
    const search = text(needle, field, "value", ignoreCase, budget);
    spend(budget, subject.length + 1, field);
    return subject.includes(search);
  }
  return fail(field, "field must be a string or an array for contains");
}

function affix(type: "starts_with" | "ends_with", actual: unknown, expected: unknown, field: string, ignoreCase: boolean, budget: MatchBudget): boolean {
  const subject = text(actual, field, "field", ignoreCase, budget);
  const search = text(expected, field, "value", ignoreCase, budget);
  spend(budget, search.length + 1, field);
  return type === "starts_with" ? subject.startsWith(search) : subject.endsWith(search);
}

function compare(type: ConditionType, actual: unknown, expected: unknown, field: string, ignoreCase: boolean, budget: MatchBudget): boolean {
  switch (type) {
    case "equals":
      return equal(actual, expected, ignoreCase, field, budget);
    case "not_equals":
      return !equal(actual, expected, ignoreCase, field, budget);
    case "contains":
      return contains(actual, expected, field, ignoreCase, budget);
    case "not_contains":
      return !contains(actual, expected, field, ignoreCase, budget);
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
    case "ends_with":
      return affix(type, actual, expected, field, ignoreCase, budget);
    case "in":
      if (!Array.isArray(expected)) fail(field, "value must be an array for in");
      return expected.some((entry) => equal(actual, entry, ignoreCase, field, budget));
    case "matches": {
      const pattern = text(expected, field, "value", false, budget);
      const problem = patternProblem(pattern, ignoreCase);
      if (problem) fail(field, `value: ${problem}`);
      const subject = text(actual, field, "field", false, budget);
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
 * @param budget the work this evaluation may spend (see `MAX_MATCH_WORK`); share one across the evaluations of one node
 * execution (a `filter` shares it across items). @default a fresh budget of `MAX_MATCH_WORK`
 * @throws NodeInputError (`NODE_INPUT_INVALID`) when operand types do not fit the operator, or the tests would
 * spend more than the budget.
 */
export function evaluateCondition(condition: Condition, data: unknown, budget: MatchBudget = new MatchBudget()): ConditionOutcome {
  // Every condition, groups included, costs one: a wide or deep `all`/`any` tree is charged even if its tests are not.
  spend(budget, 1, "field" in condition ? condition.field || "input" : "input");
  if ("all" in condition) return { condition_met: condition.all.every((c) => evaluateCondition(c, data, budget).condition_met) };
  if ("any" in condition) return { condition_met: condition.any.some((c) => evaluateCondition(c, data, budget).condition_met) };
  const actual = condition.field === "" ? data : readPath(data, parsePath(condition.field));
  const met = compare(condition.conditionType, actual, condition.value, condition.field || "input", condition.ignoreCase ?? false, budget);
  return { condition_met: met, field: condition.field, value: actual };
}
