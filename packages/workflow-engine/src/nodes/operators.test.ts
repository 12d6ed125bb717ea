import { describe, expect, it } from "vitest";
import { createWorkflowEngine, MAX_MATCH_WORK, type WorkflowDefinition } from "../index.js";
import { conditionSchema, evaluateCondition, type Condition } from "./operators.js";
import { MatchBudget } from "./regex.js";

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

describe("every condition operator charges MAX_MATCH_WORK", () => {
  const overBudget = `condition work over ${MAX_MATCH_WORK} (characters and values compared) in one node`;
  const subject = "a".repeat(1_000_000);

  it.each<[string, Condition]>([
    ["contains ignoreCase", { conditionType: "contains", field: "s", value: "zz", ignoreCase: true }],
    ["contains", { conditionType: "contains", field: "s", value: "zz" }],
    ["starts_with ignoreCase", { conditionType: "starts_with", field: "s", value: "zz", ignoreCase: true }],
    ["ends_with ignoreCase", { conditionType: "ends_with", field: "s", value: "zz", ignoreCase: true }],
    ["equals ignoreCase", { conditionType: "equals", field: "s", value: "zz", ignoreCase: true }],
    ["equals on objects", { conditionType: "equals", field: "o", value: { t: "zz" } }],
    ["in", { conditionType: "in", field: "n", value: "{{ $run.input.list }}" }],
    ["contains on an array", { conditionType: "contains", field: "list", value: -1 }],
  ])("%s: the tests of one condition node share the budget and fail the node past it", async (_, test) => {
    const input = { s: subject, o: { t: subject }, n: -1, list: Array.from({ length: 200_000 }, (_, i) => i) };
    const result = await createWorkflowEngine().run(
      { id: "w", version: 1, nodes: [{ id: "c", type: "condition", config: { any: Array.from({ length: 30 }, () => test) } }], edges: [] },
      input,
    );
    expect(result.nodes.c).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "NODE_INPUT_INVALID", details: { reason: overBudget } },
    });
  });

  it("shares the budget across the items of a filter", async () => {
    const definition: WorkflowDefinition = {
      id: "w",
      version: 1,
      nodes: [{ id: "f", type: "transform", config: { operation: "filter", condition: { conditionType: "in", field: "n", value: "{{ $run.input.list }}" } } }],
      edges: [],
    };
    const list = Array.from({ length: 5_000 }, (_, i) => i + 1);
    const result = await createWorkflowEngine().run(definition, { list, items: [] });
    expect(result.nodes.f).toMatchObject({ status: "failed", error: { code: "NODE_INPUT_INVALID" } });
    const run = (items: number) => createWorkflowEngine().run({ ...definition, nodes: [{ ...definition.nodes[0]!, config: { operation: "filter", source: "{{ $run.input.items }}", condition: { conditionType: "in", field: "n", value: "{{ $run.input.list }}" } } }] }, { list, items: Array.from({ length: items }, () => ({ n: 0 })) });
    expect((await run(900)).nodes.f).toMatchObject({ status: "success", output: [] });
    expect((await run(1_100)).nodes.f).toMatchObject({ status: "failed", error: { code: "NODE_INPUT_INVALID", details: { field: "n", reason: overBudget } } });
  });

  it("charges groups and leaves what an evaluation spent on the shared budget", () => {
    const budget = new MatchBudget();
    evaluateCondition({ all: [{ conditionType: "exists", field: "age" }, { conditionType: "contains", field: "name", value: "Love", ignoreCase: true }] }, data, budget);
    // 3 conditions, "Ada Lovelace" (12) and "Love" (4) lowercased, then a 12-character search.
    expect(budget.remaining).toBe(MAX_MATCH_WORK - (3 + 12 + 4 + 13));
    const big = { conditionType: "equals", field: "", value: { t: "x" } } as const;
    expect(() => evaluateCondition(big, { t: subject.repeat(5) }, budget)).toThrowError(expect.objectContaining({ code: "NODE_INPUT_INVALID" }));
  });
});
