import { describe, expect, it } from "vitest";
import { definitionHash } from "./definition-hash.js";
import { jobKey, nodeKey } from "./job-key.js";

describe("definitionHash", () => {
  const definition = {
    id: "order",
    version: 2,
    nodes: [
      { id: "a", type: "transform", config: { operation: "format", template: "x", 10: 1, 2: 2 } },
      { id: "b", type: "delay", config: { ms: 5 } },
    ],
    edges: [{ from: "a", to: "b" }],
  };

  it("ignores key order at every depth and survives a JSON round trip", () => {
    const reordered = {
      edges: [{ to: "b", from: "a" }],
      nodes: [
        { config: { 2: 2, template: "x", 10: 1, operation: "format" }, type: "transform", id: "a" },
        { type: "delay", id: "b", config: { ms: 5 }, retry: undefined },
      ],
      version: 2,
      id: "order",
    };
    expect(definitionHash(reordered)).toBe(definitionHash(definition));
    expect(definitionHash(JSON.parse(JSON.stringify(definition)))).toBe(definitionHash(definition));
  });

  it("changes with any value, key or array order", () => {
    const variants = [
      { ...definition, version: 3 },
      { ...definition, nodes: [...definition.nodes].reverse() },
      { ...definition, edges: [] },
      { ...definition, nodes: [definition.nodes[0], { id: "b", type: "delay", config: { ms: 6 } }] },
      { ...definition, nodes: [definition.nodes[0], { id: "b", type: "delay", config: { ms: 5, until: "x" } }] },
    ];
    const hashes = new Set([definition, ...variants].map(definitionHash));
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe("jobKey and nodeKey", () => {
  it("never give distinct runs, nodes and generations one key, whatever separators the ids hold", () => {
    const pairs: [string, string][] = [
      ["t1", "order-9:ship"],
      ["t1:order-9", "ship"],
      ['t1","order-9', "ship"],
      ["t1", 'order-9","ship'],
    ];
    expect(new Set(pairs.map(([runId, nodeId]) => nodeKey(runId, nodeId))).size).toBe(pairs.length);
    expect(new Set(pairs.flatMap(([runId, nodeId]) => [jobKey(runId, nodeId, 0), jobKey(runId, nodeId, 1)])).size).toBe(pairs.length * 2);
  });

  it("give a job the same short key every time, whatever the length of its ids", () => {
    const long = "n".repeat(200);
    expect(jobKey("t1", "ship", 0)).toBe(jobKey("t1", "ship", 0));
    for (const key of [jobKey("t1", "ship", 0), jobKey(long, long, 12)]) expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
