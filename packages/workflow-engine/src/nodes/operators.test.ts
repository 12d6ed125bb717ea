import { describe, expect, it } from "vitest";
import { conditionSchema, evaluateCondition, type Condition } from "./operators.js";

const data = { age: 30, name: "Ada Lovelace", tags: ["math", "poet"], nested: { ok: true }, nothing: null, big: "x".repeat(10_001) };

describe("condition operators", () => {
  it.each<[Condition, boolean]>([
    [{ conditionType: "equals", field: "age", value: 30 }, true],
    [{ conditionType: "equals", field: "nested", value: { ok: true } }, true],
    [{ conditionType: "equals", field: "name", value: "ada lovelace", ignoreCase: true }, true],
    [{ conditionType: "not_equals", field: "age", value: 31 }, true],
    [{ conditionType: "contains", field: "name", value: "Love" }, true],
    [{ conditionType: "contains", field: "tags", value: "poet" }, true],
    [{ conditionType: "not_contains", field: "tags", value: "chess" }, true],
    [{ conditionType: "greater_than", field: "age", value: 30 }, false],
    [{ conditionType: "less_than", field: "age", value: 31 }, true],
    [{ conditionType: "greater_or_equal", field: "age", value: 30 }, true],
    [{ conditionType: "less_or_equal", field: "age", value: 29 }, false],
    [{ conditionType: "exists", field: "nested.ok" }, true],
    [{ conditionType: "exists", field: "nothing" }, false],
    [{ conditionType: "not_exists", field: "missing.deep" }, true],
    [{ conditionType: "starts_with", field: "name", value: "Ada" }, true],
    [{ conditionType: "ends_with", field: "name", value: "lace" }, true],
    [{ conditionType: "in", field: "age", value: [1, 30] }, true],
    [{ conditionType: "matches", field: "name", value: "^Ada\\s+L" }, true],
    [{ conditionType: "matches", field: "name", value: "^ada", ignoreCase: true }, true],
    [{ all: [{ conditionType: "exists", field: "age" }, { conditionType: "equals", field: "age", value: 1 }] }, false],
    [{ any: [{ conditionType: "exists", field: "zzz" }, { conditionType: "equals", field: "age", value: 30 }] }, true],
  ])("%j → %s", (condition, expected) => {
    expect(conditionSchema.safeParse(condition).success).toBe(true);
    expect(evaluateCondition(condition, data).condition_met).toBe(expected);
  });

  it("reports field and value", () => {
    expect(evaluateCondition({ conditionType: "exists", field: "age" }, data)).toEqual({ condition_met: true, field: "age", value: 30 });
  });

  it.each<[Condition, string]>([
    [{ conditionType: "greater_than", field: "name", value: 1 }, "name: field must be a number for a numeric comparison"],
    [{ conditionType: "less_than", field: "age", value: "31" }, "age: value must be a number for a numeric comparison"],
    [{ conditionType: "starts_with", field: "age", value: "3" }, "age: field must be a string"],
    [{ conditionType: "contains", field: "age", value: 3 }, "age: field must be a string or an array for contains"],
    [{ conditionType: "in", field: "age", value: 30 }, "age: value must be an array for in"],
    [{ conditionType: "matches", field: "big", value: "x" }, "big: field longer than 10000 characters for matches"],
  ])("type errors are node errors: %j", (condition, message) => {
    expect(() => evaluateCondition(condition, data)).toThrowError(
      expect.objectContaining({ code: "NODE_INPUT_INVALID", message: `[@atom/workflow-engine] ${message}` }),
    );
  });

  it.each([
    [{ conditionType: "nope", field: "a" }, "conditionType"],
    [{ conditionType: "equals", field: "__proto__.x" }, "field"],
    [{ conditionType: "matches", field: "a", value: "(" }, "value"],
    [{ conditionType: "matches", field: "a", value: "a".repeat(201) }, "value"],
    [{ all: [] }, "all"],
  ])("rejects bad config %j", (condition, field) => {
    const parsed = conditionSchema.safeParse(condition);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(field);
  });
});
