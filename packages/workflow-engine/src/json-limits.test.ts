import { describe, expect, it } from "vitest";
import { createWorkflowEngine, MAX_EDGES, MAX_JSON_DEPTH, MAX_NODES, type WorkflowDefinition } from "./index.js";

const nest = (levels: number, leaf: unknown, wrap: (inner: unknown) => unknown) => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = wrap(value);
  return value;
};
const one = (config: unknown): WorkflowDefinition => ({
  id: "deep",
  version: 1,
  nodes: [{ id: "n", type: "condition", config: config as Record<string, unknown> }],
  edges: [],
});

describe("depth and size caps", () => {
  const engine = createWorkflowEngine();

  it("validate() reports a 1,000-deep all condition as WORKFLOW_INVALID problem naming the path, not a RangeError", () => {
    const config = nest(1000, { conditionType: "equals", field: "a", value: 1 }, (inner) => ({ all: [inner] }));
    const result = engine.validate(one(config));
    expect(result.ok).toBe(false);
    const field = `nodes.0.config.${Array.from({ length: MAX_JSON_DEPTH / 2 }, () => "all.0").join(".")}`;
    expect(result.problems).toEqual([{ nodeId: "n", field, message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
  });

  it("run() refuses a deep definition with WORKFLOW_INVALID", async () => {
    const config = { conditionType: "equals", field: "", value: nest(2000, 1, (inner) => [inner]) };
    await expect(engine.run(one(config), {})).rejects.toMatchObject({
      code: "WORKFLOW_INVALID",
      details: { problems: [expect.objectContaining({ field: expect.stringMatching(/^nodes\.0\.config\.value(\.0)+$/) })] },
    });
  });

  it("run() refuses a 2,000-deep array input with WORKFLOW_INVALID naming the input path; nothing runs", async () => {
    const input = nest(2000, 1, (inner) => [inner]);
    const def: WorkflowDefinition = { id: "w", version: 1, nodes: [{ id: "t", type: "transform", config: { operation: "extract", path: "" } }], edges: [] };
    await expect(engine.run(def, input)).rejects.toMatchObject({
      code: "WORKFLOW_INVALID",
      status: 400,
      details: { problems: [{ field: ["input", ...Array.from({ length: MAX_JSON_DEPTH }, () => "0")].join("."), message: `nested deeper than ${MAX_JSON_DEPTH} levels` }] },
    });
  });

  it("accepts nesting up to the limit", async () => {
    const input = nest(MAX_JSON_DEPTH, 1, (inner) => [inner]);
    const def: WorkflowDefinition = { id: "w", version: 1, nodes: [{ id: "t", type: "transform", config: { operation: "extract", path: "" } }], edges: [] };
    expect((await engine.run(def, input)).status).toBe("success");
  });

  it("caps the node and edge counts", () => {
    const nodes = Array.from({ length: MAX_NODES + 1 }, () => ({ id: "n", type: "transform", config: {} }));
    const edges = Array.from({ length: MAX_EDGES + 1 }, () => ({ from: "n", to: "n" }));
    const result = engine.validate({ id: "big", version: 1, nodes, edges });
    expect(result.problems.map((problem) => problem.field)).toEqual(["nodes", "edges"]);
  });
});
