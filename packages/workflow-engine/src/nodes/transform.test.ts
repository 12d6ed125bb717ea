import { describe, expect, it } from "vitest";
import { createWorkflowEngine, type WorkflowDefinition } from "../index.js";

const engine = createWorkflowEngine();
const one = (config: Record<string, unknown>): WorkflowDefinition => ({
  id: "t",
  version: 1,
  nodes: [{ id: "t", type: "transform", config }],
  edges: [],
});
const run = async (config: Record<string, unknown>, input: unknown) => (await engine.run(one(config), input)).nodes.t;

describe("transform node", () => {
  const users = [
    { name: "Ada", age: 36 },
    { name: "Alan", age: 41 },
    { name: "Kid", age: 9 },
  ];

  it("map builds objects per item", async () => {
    expect(await run({ operation: "map", fields: { who: "{{ $item.name }}", label: "{{ $item.name }} ({{ $item.age }})" } }, users)).toMatchObject({
      output: [
        { who: "Ada", label: "Ada (36)" },
        { who: "Alan", label: "Alan (41)" },
        { who: "Kid", label: "Kid (9)" },
      ],
    });
  });

  it("map and filter read an explicit source", async () => {
    const result = await run(
      { operation: "filter", source: "{{ $input.users }}", condition: { conditionType: "greater_than", field: "age", value: 18 } },
      { users },
    );
    expect(result?.output).toEqual(users.slice(0, 2));
  });

  it("merge: later sources win, arrays concatenate", async () => {
    expect((await run({ operation: "merge", sources: ["{{ $input.a }}", "{{ $input.b }}"] }, { a: { x: 1, y: 1 }, b: { y: 2 } }))?.output).toEqual({
      x: 1,
      y: 2,
    });
    expect((await run({ operation: "merge", sources: ["{{ $input.a }}", "{{ $input.b }}"] }, { a: [1], b: [2, 3] }))?.output).toEqual([1, 2, 3]);
  });

  it("format and extract", async () => {
    expect((await run({ operation: "format", template: "Hi {{ $input.name }}, you are {{ $input.age }}" }, users[0]))?.output).toBe("Hi Ada, you are 36");
    expect((await run({ operation: "extract", path: "users[1].name" }, { users }))?.output).toBe("Alan");
  });

  it.each([
    [{ operation: "map", fields: {} }, { notAnArray: true }, "NODE_INPUT_INVALID", "[@atom/workflow-engine] source: must resolve to an array"],
    [{ operation: "merge", sources: ["{{ $input.a }}", "{{ $input.b }}"] }, { a: {}, b: [1] }, "NODE_INPUT_INVALID", "[@atom/workflow-engine] sources: merge needs all objects or all arrays"],
  ])("data errors fail the node: %j", async (config, input, code, message) => {
    expect((await run(config, input))?.error).toMatchObject({ code, message });
  });

  it.each([
    [{ operation: "explode" }, "nodes.0.config.operation"],
    [{ operation: "map" }, "nodes.0.config.fields"],
    [{ operation: "filter", condition: { conditionType: "nah", field: "a" } }, "nodes.0.config.condition"],
    [{ operation: "merge", sources: "x" }, "nodes.0.config.sources"],
    [{ operation: "format" }, "nodes.0.config.template"],
    [{ operation: "extract", path: 3 }, "nodes.0.config.path"],
  ])("rejects bad config %j", (config, field) => {
    expect(engine.validate(one(config)).problems.map((p) => p.field)).toContain(field);
  });

  it("rejects prototype paths in extract at run time", async () => {
    expect((await run({ operation: "extract", path: "constructor.prototype" }, {}))?.error).toMatchObject({ code: "TEMPLATE_INVALID" });
  });
});

describe("delay and condition configs", () => {
  it.each([
    [{}, "nodes.0.config"],
    [{ ms: 1, until: "2030-01-01T00:00:00Z" }, "nodes.0.config"],
    [{ ms: -1 }, "nodes.0.config.ms"],
    [{ until: "tomorrow" }, "nodes.0.config.until"],
  ])("delay rejects %j", (config, field) => {
    const def: WorkflowDefinition = { id: "d", version: 1, nodes: [{ id: "d", type: "delay", config }], edges: [] };
    expect(engine.validate(def).problems.map((p) => p.field)).toContain(field);
  });
});
