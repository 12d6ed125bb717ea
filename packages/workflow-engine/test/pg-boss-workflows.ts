import type { RunResult, WorkflowDefinition } from "../src/index.js";

/**
 * The mixed workflows of the multi-worker tests (chains, fan-out/fan-in, branches, handled and unhandled failures,
 * http_request to a local server at `base`), built only from built-in node types so worker processes need no setup.
 * @internal
 */
export function mixedWorkflows(base: string): WorkflowDefinition[] {
  const effect = (id: string) => ({ id, type: "http_request", config: { method: "POST", url: `${base}/effect`, body: { n: "{{ $run.input.n }}", node: id } } });
  const fmt = (id: string, template: string) => ({ id, type: "transform", config: { operation: "format", template } });
  return [
    {
      id: "chain",
      version: 1,
      nodes: [fmt("a", "n={{ $run.input.n }}"), effect("b"), { id: "c", type: "transform", config: { operation: "extract", path: "body.n" } }],
      edges: [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
      ],
    },
    {
      id: "fan",
      version: 1,
      nodes: [fmt("start", "go"), fmt("x", "x{{ $run.input.n }}"), effect("h"), fmt("y", "y"), fmt("join", "{{ $node.x.output }}-{{ $node.h.output.status }}-{{ $node.y.output }}")],
      edges: [
        { from: "start", to: "x" },
        { from: "start", to: "h" },
        { from: "start", to: "y" },
        { from: "x", to: "join" },
        { from: "h", to: "join" },
        { from: "y", to: "join" },
      ],
    },
    {
      id: "branch",
      version: 1,
      nodes: [
        { id: "even", type: "condition", config: { conditionType: "equals", field: "even", value: true } },
        effect("yes"),
        fmt("no", "odd"),
        fmt("after", "done {{ $node.no.status }}"),
        fmt("then", "{{ $input }}"),
      ],
      edges: [
        { from: "even", to: "yes", branch: "true" },
        { from: "even", to: "no", branch: "false" },
        { from: "no", to: "after" },
        { from: "after", to: "then" },
      ],
    },
    {
      id: "handled",
      version: 1,
      nodes: [{ id: "call", type: "http_request", config: { url: `${base}/fail` } }, fmt("recovered", "recovered {{ $input.code }}"), fmt("ok", "ok")],
      edges: [
        { from: "call", to: "recovered", branch: "error" },
        { from: "call", to: "ok" },
      ],
    },
    {
      id: "unhandled",
      version: 1,
      nodes: [fmt("first", "1"), { id: "call", type: "http_request", config: { url: `${base}/fail` } }, fmt("never", "never")],
      edges: [
        { from: "first", to: "call" },
        { from: "call", to: "never" },
      ],
    },
  ];
}

/** Run `i`'s input. @internal */
export function mixedInput(i: number): { n: number; even: boolean } {
  return { n: i, even: i % 2 === 0 };
}

/**
 * What must match between a queued and an in-process run: status, outputs and each node's status, branch and
 * output (an http_request's output as status and body; its headers carry a date).
 * @internal
 */
export function comparable(result: Pick<RunResult, "status" | "nodes">): unknown {
  const nodes: Record<string, unknown> = {};
  for (const id of Object.keys(result.nodes).sort()) {
    const node = result.nodes[id];
    if (!node) continue;
    const output = node.output as { status?: unknown; body?: unknown; headers?: unknown } | undefined;
    const shown = output && typeof output === "object" && "headers" in output ? { status: output.status, body: output.body } : node.output;
    nodes[id] = { status: node.status, branch: node.branch, output: shown, error: node.error?.code };
  }
  return { status: result.status, nodes };
}
