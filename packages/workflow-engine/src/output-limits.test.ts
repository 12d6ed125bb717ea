import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createWorkflowEngine, defineNode, MAX_JSON_DEPTH, MAX_JSON_VALUES, MAX_OUTPUT_CHARS, type WorkflowDefinition } from "./index.js";

/** `count` transform nodes in a chain, each built by `config(i)`, then `tail` nodes after the last one. */
function chain(count: number, config: (i: number) => Record<string, unknown>, tail: WorkflowDefinition["nodes"] = []): WorkflowDefinition {
  const nodes: WorkflowDefinition["nodes"] = Array.from({ length: count }, (_, i) => ({ id: `n${i}`, type: "transform", config: config(i) }));
  const edges = Array.from({ length: count - 1 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` }));
  for (const node of tail) {
    nodes.push(node);
    edges.push({ from: `n${count - 1}`, to: node.id });
  }
  return { id: "grow", version: 1, nodes, edges };
}

describe("node outputs are held to the JSON limits", () => {
  it("fails the map node whose shared-reference doubling passes MAX_JSON_VALUES, before any format expands it", async () => {
    // Each node's output is `{ a: input, b: input }` over shared references: 2^i values after node i.
    const definition = chain(30, () => ({ operation: "map", fields: { a: "{{ $item }}", b: "{{ $item }}" } }), [
      { id: "out", type: "transform", config: { operation: "format", template: "{{ $input }}" } },
    ]);
    const result = await createWorkflowEngine().run(definition, [1]);
    expect(result.status).toBe("failed");
    const failed = Object.entries(result.nodes).filter(([, node]) => node.status === "failed");
    // n18 is [{ a, b }] over 2^20 values.
    expect(failed.map(([id]) => id)).toEqual(["n18"]);
    expect(failed[0]?.[1]).toMatchObject({
      attempts: 1,
      error: {
        code: "NODE_OUTPUT_TOO_LARGE",
        status: 400,
        message: `[@atom/workflow-engine] node "n18" output holds more than ${MAX_JSON_VALUES} values`,
        details: { nodeId: "n18", problem: `output holds more than ${MAX_JSON_VALUES} values` },
      },
    });
    expect(result.nodes.out).toBeUndefined();
    expect(result.error).toMatchObject({ code: "NODE_OUTPUT_TOO_LARGE" });
  });

  it("fails a format chain whose text doubles past MAX_OUTPUT_CHARS, in the template, without building the text", async () => {
    const definition = chain(40, (i) => (i === 0 ? { operation: "format", template: "x".repeat(1024) } : { operation: "format", template: "{{ $input }}{{ $input }}" }));
    const result = await createWorkflowEngine().run(definition, {});
    // 1 KiB doubled 14 times is 16 MiB, the limit; the 15th doubling is refused.
    expect(result.nodes.n14).toMatchObject({ status: "success" });
    expect((result.nodes.n14?.output as string).length).toBe(MAX_OUTPUT_CHARS);
    expect(result.nodes.n15?.error).toMatchObject({
      code: "NODE_OUTPUT_TOO_LARGE",
      message: `[@atom/workflow-engine] node "n15" template renders more than ${MAX_OUTPUT_CHARS} characters`,
    });
    expect(result.status).toBe("failed");
  });

  it("fails a node whose output nests deeper than MAX_JSON_DEPTH", async () => {
    const definition = chain(MAX_JSON_DEPTH + 2, () => ({ operation: "map", fields: { inner: "{{ $item }}" } }));
    const result = await createWorkflowEngine().run(definition, [1]);
    const failed = Object.entries(result.nodes).find(([, node]) => node.status === "failed");
    expect(failed?.[0]).toBe(`n${MAX_JSON_DEPTH - 1}`);
    expect(failed?.[1].error).toMatchObject({ code: "NODE_OUTPUT_TOO_LARGE", details: { problem: `output nested deeper than ${MAX_JSON_DEPTH} levels` } });
  });

  it("fails a custom node returning a cyclic value or a bigint, and does not retry it", async () => {
    let calls = 0;
    const odd = defineNode({
      type: "odd",
      config: z.object({ kind: z.enum(["cycle", "bigint"]) }),
      execute: async ({ config }) => {
        calls++;
        if (config.kind === "bigint") return { n: 1n };
        const cycle: Record<string, unknown> = {};
        cycle.self = cycle;
        return cycle;
      },
    });
    const engine = createWorkflowEngine({ nodes: [odd] });
    for (const [kind, problem] of [
      ["cycle", `output nested deeper than ${MAX_JSON_DEPTH} levels`],
      ["bigint", "output holds a bigint, which JSON cannot represent"],
    ] as const) {
      calls = 0;
      const result = await engine.run({ id: "odd", version: 1, nodes: [{ id: "o", type: "odd", config: { kind }, retry: { maxAttempts: 3, initialDelayMs: 1 } }], edges: [] }, {});
      expect(result.nodes.o).toMatchObject({ status: "failed", attempts: 1, error: { code: "NODE_OUTPUT_TOO_LARGE", details: { nodeId: "o", problem } } });
      expect(calls).toBe(1);
    }
  });

  /** A node "big" whose output is a 4 MiB string, feeding `node`. */
  function fedByBig(node: WorkflowDefinition["nodes"][number]): WorkflowDefinition {
    return {
      id: "budget",
      version: 1,
      nodes: [
        { id: "seed", type: "transform", config: { operation: "format", template: "a".repeat(4096) } },
        { id: "big", type: "transform", config: { operation: "format", template: "{{ $input }}".repeat(1024) } },
        node,
      ],
      edges: [
        { from: "seed", to: "big" },
        { from: "big", to: node.id },
      ],
    };
  }
  const tooManyChars = `template renders more than ${MAX_OUTPUT_CHARS} characters`;

  it("bounds the characters all the strings of one node config render together, even those its schema strips", async () => {
    // Five 4 MiB strings: each under the limit, 20 MiB together, in keys `delay` would drop after resolving.
    const pads = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`p${i}`, `${i}{{ $node.big.output }}`]));
    const result = await createWorkflowEngine().run(fedByBig({ id: "d", type: "delay", config: { ms: 1, ...pads } }), {});
    expect(result.nodes.big).toMatchObject({ status: "success" });
    expect(result.nodes.d).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "NODE_OUTPUT_TOO_LARGE", message: `[@atom/workflow-engine] node "d" ${tooManyChars}`, details: { nodeId: "d", problem: tooManyChars } },
    });
  });

  it("bounds the characters a map renders across all its items, failing as soon as the budget is spent", async () => {
    const map = { id: "m", type: "transform", config: { operation: "map", source: "{{ $run.input.items }}", fields: { x: "-{{ $node.big.output }}" } } };
    const result = await createWorkflowEngine().run(fedByBig(map), { items: [1, 2, 3, 4, 5] });
    expect(result.nodes.m).toMatchObject({ status: "failed", error: { code: "NODE_OUTPUT_TOO_LARGE", details: { nodeId: "m", problem: tooManyChars } } });
    const fits = await createWorkflowEngine().run(fedByBig(map), { items: [1, 2, 3] });
    expect(fits.nodes.m).toMatchObject({ status: "success" });
  });

  it("bounds the values a map resolves across all its items", async () => {
    const fields = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, "{{ $item }}"]));
    const definition: WorkflowDefinition = { id: "wide", version: 1, nodes: [{ id: "m", type: "transform", config: { operation: "map", fields } }], edges: [] };
    const result = await createWorkflowEngine().run(definition, Array.from({ length: 1000 }, (_, i) => i));
    const problem = `templates resolve more than ${MAX_JSON_VALUES} values`;
    expect(result.nodes.m).toMatchObject({ status: "failed", error: { code: "NODE_OUTPUT_TOO_LARGE", details: { nodeId: "m", problem } } });
    expect((await createWorkflowEngine().run(definition, Array.from({ length: 990 }, (_, i) => i))).nodes.m).toMatchObject({ status: "success" });
  });

  it("lets outputs at the limits through", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item ${i}` }));
    const definition = chain(3, () => ({ operation: "extract", path: "" }));
    const result = await createWorkflowEngine().run(definition, { items, text: "y".repeat(MAX_OUTPUT_CHARS - 100_000) });
    expect(result.status).toBe("success");
  });
});
