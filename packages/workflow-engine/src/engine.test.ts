import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createWorkflowEngine, defineNode, memoryRunStore, routeTo, type NodeResult, type WorkflowDefinition } from "./index.js";

const wf = (nodes: WorkflowDefinition["nodes"], edges: WorkflowDefinition["edges"] = []): WorkflowDefinition => ({
  id: "wf",
  version: 1,
  nodes,
  edges,
});
const extract = (id: string, path = "") => ({ id, type: "transform", config: { operation: "extract", path } });
const statuses = (nodes: Record<string, NodeResult>) => Object.fromEntries(Object.entries(nodes).map(([id, r]) => [id, r.status]));

afterEach(() => {
  vi.useRealTimers();
});

describe("validate", () => {
  const engine = createWorkflowEngine();

  it("accepts a valid graph", () => {
    expect(engine.validate(wf([extract("a"), extract("b")], [{ from: "a", to: "b" }]))).toEqual({ ok: true, problems: [] });
  });

  it("lets a template read only nodes upstream of its own: a sibling, itself or a missing node is refused, naming the field", () => {
    const format = (id: string, template: string) => ({ id, type: "transform", config: { operation: "format", template } });
    const sibling = (template: string) =>
      engine.validate(
        wf([extract("start"), format("a", template), extract("b"), format("c", "{{ $node.start.output }}{{ $node.b.status }}")], [
          { from: "start", to: "a" },
          { from: "start", to: "b" },
          { from: "b", to: "c" },
        ]),
      );
    expect(sibling("{{ $node.b.output }}").problems).toEqual([
      { nodeId: "a", field: "nodes.1.config.template", message: 'template reads node "b", which is not upstream of "a" (it may not have run yet)' },
    ]);
    expect(sibling("{{ $node.a.status }}").problems).toEqual([
      { nodeId: "a", field: "nodes.1.config.template", message: 'template reads node "a", which is not upstream of "a" (it may not have run yet)' },
    ]);
    expect(sibling("x {{ $node.ghost.output.v }}").problems).toEqual([
      { nodeId: "a", field: "nodes.1.config.template", message: 'template reads node "ghost", which the workflow does not have' },
    ]);
    expect(sibling("{{ $node.start.output }}").ok).toBe(true);
  });

  it("checks what the templates of a long chain read in one walk per node read", () => {
    const nodes = Array.from({ length: 20_000 }, (_, i) => ({ id: `n${i}`, type: "transform", config: { operation: "format", template: i === 0 ? "x" : "{{ $node.n0.status }}" } }));
    const edges = nodes.slice(1).map((node, i) => ({ from: `n${i}`, to: node.id }));
    expect(engine.validate(wf(nodes, edges))).toEqual({ ok: true, problems: [] });
    nodes[0] = { id: "n0", type: "transform", config: { operation: "format", template: "{{ $node.n19999.status }}" } };
    expect(engine.validate(wf(nodes, edges)).problems).toEqual([
      { nodeId: "n0", field: "nodes.0.config.template", message: 'template reads node "n19999", which is not upstream of "n0" (it may not have run yet)' },
    ]);
  });

  it("lists every problem at once", () => {
    const result = engine.validate(
      wf(
        [
          extract("a"),
          extract("a"),
          { id: "u", type: "teleport", config: {} },
          { id: "c", type: "condition", config: { conditionType: "bogus", field: "x" } },
          { id: "h", type: "http_request", config: { method: "TRACE" } },
          { id: "t", type: "transform", config: { operation: "format", template: "{{ $input.__proto__ }}" } },
          extract("x"),
          extract("y"),
          extract("lonely"),
        ],
        [
          { from: "a", to: "ghost" },
          { from: "x", to: "y" },
          { from: "y", to: "x" },
          { from: "a", to: "c" },
          { from: "c", to: "h", branch: "maybe" },
          { from: "a", to: "t" },
          { from: "a", to: "h" },
        ],
      ),
    );
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { nodeId: "a", field: "nodes.1.id", message: 'duplicate node id "a"' },
      { nodeId: "u", field: "nodes.2.type", message: 'unknown node type "teleport"' },
      expect.objectContaining({ nodeId: "c", field: "nodes.3.config" }),
      expect.objectContaining({ nodeId: "h", field: "nodes.4.config.method" }),
      expect.objectContaining({ nodeId: "h", field: "nodes.4.config.url" }),
      {
        nodeId: "t",
        field: "nodes.5.config.template",
        message: '[@atom/workflow-engine] template "{{ $input.__proto__ }}" is invalid: segment "__proto__" is forbidden',
      },
      { field: "edges.0.to", message: 'edge target "ghost" does not exist' },
      { nodeId: "c", field: "edges.4.branch", message: '"condition" has no branch "maybe" (allowed: error, true, false)' },
      { nodeId: "x", field: "nodes.6", message: 'node "x" is on a cycle or only reachable through one' },
      { nodeId: "y", field: "nodes.7", message: 'node "y" is on a cycle or only reachable through one' },
      { nodeId: "lonely", field: "nodes.8", message: 'node "lonely" is unreachable (no edges)' },
    ]);
  });

  it.each([
    [{ id: "r", type: "transform", config: { operation: "extract", path: "" }, retry: { maxAttempts: 0 } }, "nodes.0.retry.maxAttempts"],
    [{ id: "r", type: "transform", config: { operation: "extract", path: "" }, retry: { maxAttempts: 2, jitter: "some" } }, "nodes.0.retry.jitter"],
    [{ id: "r", type: "transform", config: { operation: "extract", path: "" }, timeoutMs: -5 }, "nodes.0.timeoutMs"],
    [{ id: "r", type: "action", config: { action: "slack.post_message", input: "hi" } }, "nodes.0.config.input"],
    [{ id: "r", type: "action", config: {} }, "nodes.0.config.action"],
  ])("rejects bad node options %#", (node, field) => {
    expect(engine.validate(wf([node as WorkflowDefinition["nodes"][number]])).problems.map((p) => p.field)).toContain(field);
  });

  it("reports every problem of a graph near MAX_NODES at the declared position of each node", () => {
    // Unknown types and a duplicate first, so a node's position differs from its rank among the compiled nodes.
    const nodes = [
      { id: "u0", type: "teleport", config: {} },
      { id: "u1", type: "teleport", config: {} },
      extract("n0"),
      ...Array.from({ length: 40_000 }, (_, i) => extract(`n${i}`)),
    ];
    const dangling = Array.from({ length: 20_000 }, (_, i) => ({ from: `missing${i}`, to: i % 2 === 0 ? "u0" : "n0" }));
    const { problems } = engine.validate(wf(nodes, [...dangling, { from: "u1", to: "n1" }]));
    expect(problems.slice(0, 3)).toEqual([
      { nodeId: "u0", field: "nodes.0.type", message: 'unknown node type "teleport"' },
      { nodeId: "u1", field: "nodes.1.type", message: 'unknown node type "teleport"' },
      { nodeId: "n0", field: "nodes.3.id", message: 'duplicate node id "n0"' },
    ]);
    const missing = problems.filter((p) => p.message.includes("does not exist"));
    // Edges to or from a declared node of unknown type name no missing node.
    expect(missing).toHaveLength(20_000);
    expect(missing[19_999]).toEqual({ field: "edges.19999.from", message: 'edge source "missing19999" does not exist' });
    const unreachable = problems.filter((p) => p.message.endsWith("is unreachable (no edges)"));
    // No edge compiles (each has a missing or uncompiled end), so every compiled node is reported at its first position.
    expect(unreachable).toHaveLength(40_000);
    expect(unreachable[0]).toEqual({ nodeId: "n0", field: "nodes.2", message: 'node "n0" is unreachable (no edges)' });
    expect(unreachable.at(-1)).toEqual({ nodeId: "n39999", field: "nodes.40002", message: 'node "n39999" is unreachable (no edges)' });
    expect(problems).toHaveLength(3 + 20_000 + 40_000);
  });

  it("reserves the node id __proto__, which would corrupt results keyed by id", () => {
    expect(engine.validate(wf([extract("__proto__")])).problems).toEqual([
      { field: "nodes.0.id", message: 'node id "__proto__" is reserved' },
    ]);
  });

  it("reports the JSON shape first", () => {
    expect(engine.validate({ id: "", nodes: "x" }).problems.map((p) => p.field)).toEqual(["id", "version", "nodes", "edges"]);
  });

  it("refuses to run an invalid workflow", async () => {
    await expect(engine.run(wf([{ id: "a", type: "nope", config: {} }]))).rejects.toMatchObject({
      code: "WORKFLOW_INVALID",
      status: 400,
      message: '[@atom/workflow-engine] workflow is invalid: nodes.0.type: unknown node type "nope"',
      details: { workflowId: "wf", problems: [{ nodeId: "a", field: "nodes.0.type", message: 'unknown node type "nope"' }] },
    });
  });
});

describe("execution semantics", () => {
  it("feeds the run input to start nodes and outputs to successors", async () => {
    const engine = createWorkflowEngine();
    const result = await engine.run(wf([extract("a", "user"), extract("b", "name")], [{ from: "a", to: "b" }]), {
      user: { name: "Ada" },
    });
    expect(result).toMatchObject({ status: "success", outputs: { b: "Ada" }, workflowId: "wf" });
    expect(result.nodes.a).toMatchObject({ status: "success", output: { name: "Ada" }, attempts: 1 });
  });

  it("settles a long synchronous chain in a loop, in order, without growing the stack", async () => {
    const length = 20_000;
    const nodes = Array.from({ length }, (_, i) => extract(`n${i}`));
    const edges = Array.from({ length: length - 1 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` }));
    const result = await createWorkflowEngine().run(wf(nodes, edges), { v: 1 });
    expect(result.status).toBe("success");
    expect(result.outputs).toEqual({ [`n${length - 1}`]: { v: 1 } });
    expect(Object.keys(result.nodes)).toEqual(nodes.map((node) => node.id));
  });

  it("stops a synchronous chain at the node that cancels the run", async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const step = defineNode({
      type: "step",
      config: z.object({ cancel: z.boolean() }),
      execute: ({ config, node }) => {
        seen.push(node.id);
        if (config.cancel) controller.abort();
        return node.id;
      },
    });
    const nodes = ["a", "b", "c", "d"].map((id) => ({ id, type: "step", config: { cancel: id === "b" } }));
    const edges = [{ from: "a", to: "b" }, { from: "b", to: "c" }, { from: "c", to: "d" }];
    const result = await createWorkflowEngine({ nodes: [step] }).run(wf(nodes, edges), {}, { signal: controller.signal });
    expect(seen).toEqual(["a", "b"]);
    expect(result.status).toBe("cancelled");
    expect(statuses(result.nodes)).toEqual({ a: "success", b: "success" });
  });

  it("lets templates read every node settled so far, including those settled after the first template ran", async () => {
    const engine = createWorkflowEngine();
    const format = (id: string, template: string) => ({ id, type: "transform", config: { operation: "format", template } });
    const result = await engine.run(
      wf([extract("a"), format("b", "{{ $node.a.output.v }}"), extract("c"), format("d", "{{ $node.b.output }}/{{ $node.c.status }}/{{ $node.a.output.v }}")], [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "c", to: "d" },
      ]),
      { v: 7 },
    );
    expect(result.outputs).toEqual({ d: "7/success/7" });
    expect(Object.keys(result.nodes)).toEqual(["a", "b", "c", "d"]);
  });

  it("routes condition branches and propagates skips through joins", async () => {
    const engine = createWorkflowEngine();
    const def = wf(
      [
        { id: "adult", type: "condition", config: { conditionType: "greater_or_equal", field: "age", value: 18 } },
        extract("yes"),
        extract("no"),
        extract("afterNo"),
        { id: "join", type: "transform", config: { operation: "format", template: "{{ $run.input.age }}" } },
      ],
      [
        { from: "adult", to: "yes", branch: "true" },
        { from: "adult", to: "no", branch: "false" },
        { from: "no", to: "afterNo" },
        { from: "yes", to: "join" },
        { from: "afterNo", to: "join" },
      ],
    );
    const adult = await engine.run(def, { age: 30 });
    expect(statuses(adult.nodes)).toEqual({ adult: "success", yes: "success", no: "skipped", afterNo: "skipped", join: "success" });
    expect(adult.nodes.adult?.output).toEqual({ condition_met: true, field: "age", value: 30 });
    expect(adult.outputs).toEqual({ join: "30" });
    const minor = await engine.run(def, { age: 3 });
    expect(statuses(minor.nodes)).toEqual({ adult: "success", yes: "skipped", no: "success", afterNo: "success", join: "success" });
  });

  it("skips a join when every input is skipped", async () => {
    const engine = createWorkflowEngine();
    const def = wf(
      [{ id: "c", type: "condition", config: { conditionType: "exists", field: "x" } }, extract("a"), extract("b"), extract("j")],
      [
        { from: "c", to: "a", branch: "true" },
        { from: "c", to: "b", branch: "true" },
        { from: "a", to: "j" },
        { from: "b", to: "j" },
      ],
    );
    expect(statuses((await engine.run(def, {})).nodes)).toEqual({ c: "success", a: "skipped", b: "skipped", j: "skipped" });
  });

  it("fans out, runs branches concurrently up to the limit, and fans in keyed by predecessor", async () => {
    let active = 0;
    let peak = 0;
    const gate = defineNode({
      type: "gate",
      config: z.object({ n: z.number() }),
      execute: async ({ config }) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setImmediate(resolve));
        active--;
        return { [`v${config.n}`]: config.n };
      },
    });
    const engine = createWorkflowEngine({ nodes: [gate], concurrency: 3 });
    const branches = Array.from({ length: 8 }, (_, i) => ({ id: `b${i}`, type: "gate", config: { n: i } }));
    const def = wf(
      [extract("start"), ...branches, { id: "merge", type: "transform", config: { operation: "merge" } }],
      [...branches.map((b) => ({ from: "start", to: b.id })), { from: "b0", to: "merge" }, { from: "b1", to: "merge" }],
    );
    const result = await engine.run(def, {});
    expect(peak).toBe(3);
    expect(result.status).toBe("success");
    expect(result.nodes.merge?.output).toEqual({ v0: 0, v1: 1 });
    expect(Object.keys(result.outputs).sort()).toEqual(["b2", "b3", "b4", "b5", "b6", "b7", "merge"]);
  });

  it("fails the run on an unhandled failure and stops scheduling", async () => {
    const boom = defineNode({
      type: "boom",
      config: z.object({}),
      execute: () => {
        throw new Error("kaboom");
      },
    });
    const engine = createWorkflowEngine({ nodes: [boom] });
    const result = await engine.run(wf([{ id: "x", type: "boom", config: {} }, extract("after")], [{ from: "x", to: "after" }]));
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "INTERNAL_ERROR" });
    expect(result.nodes.x).toMatchObject({ status: "failed", attempts: 1, error: { code: "INTERNAL_ERROR" } });
    expect(result.nodes.after).toBeUndefined();
  });

  it("routes failures down error branches, which handle them", async () => {
    const engine = createWorkflowEngine();
    const def = wf(
      [
        { id: "cmp", type: "condition", config: { conditionType: "greater_than", field: "name", value: 1 } },
        extract("ok"),
        extract("onError", "code"),
      ],
      [
        { from: "cmp", to: "ok", branch: "true" },
        { from: "cmp", to: "onError", branch: "error" },
      ],
    );
    const result = await engine.run(def, { name: "Ada" });
    expect(result.status).toBe("success");
    expect(statuses(result.nodes)).toEqual({ cmp: "failed", ok: "skipped", onError: "success" });
    expect(result.outputs).toEqual({ onError: "NODE_INPUT_INVALID" });
    expect(result.nodes.cmp?.error?.message).toBe("[@atom/workflow-engine] name: field must be a number for a numeric comparison");
  });

  it("re-validates configs after templates resolve", async () => {
    const engine = createWorkflowEngine();
    const result = await engine.run(wf([{ id: "d", type: "delay", config: { ms: "{{ $input.ms }}" } }]), { ms: "soon" });
    expect(result.nodes.d?.error).toMatchObject({
      code: "VALIDATION_ERROR",
      message: '[@atom/workflow-engine] node "d" config.ms after templates: Invalid input: expected number, received string',
      details: { field: "config.ms" },
    });
  });

  it("emits node and run events", async () => {
    const engine = createWorkflowEngine();
    const events: string[] = [];
    engine.on("node:start", (e) => events.push(`start:${e.nodeId}`));
    const off = engine.on("node:finish", (e) => events.push(`finish:${e.nodeId}:${e.result.status}`));
    engine.on("run:finish", (e) => events.push(`run:${e.result.status}`));
    engine.on("run:finish", () => {
      throw new Error("observer bug");
    });
    await engine.run(wf([extract("a"), extract("b")], [{ from: "a", to: "b" }]), {});
    expect(events).toEqual(["start:a", "finish:a:success", "start:b", "finish:b:success", "run:success"]);
    off();
    events.length = 0;
    await engine.run(wf([extract("a")]), {});
    expect(events).toEqual(["start:a", "run:success"]);
  });
});

describe("retries, timeouts and cancellation", () => {
  const flaky = (failures: number, calls: { n: number }) =>
    defineNode({
      type: "flaky",
      config: z.object({}),
      execute: () => {
        calls.n++;
        if (calls.n <= failures) throw new Error("transient");
        return calls.n;
      },
    });

  it("retries with exponential backoff and jitter on the clock", async () => {
    vi.useFakeTimers();
    const calls = { n: 0 };
    const engine = createWorkflowEngine({ nodes: [flaky(2, calls)], random: () => 0.5 });
    const def = wf([{ id: "f", type: "flaky", config: {}, retry: { maxAttempts: 3, initialDelayMs: 1000, factor: 2 } }]);
    const pending = engine.run(def);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.n).toBe(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls.n).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.n).toBe(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls.n).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    const result = await pending;
    expect(result.nodes.f).toMatchObject({ status: "success", output: 3, attempts: 3 });
  });

  it("gives up after maxAttempts and never retries validation errors", async () => {
    vi.useFakeTimers();
    const calls = { n: 0 };
    const engine = createWorkflowEngine({ nodes: [flaky(10, calls)], random: () => 0 });
    const pending = engine.run(wf([{ id: "f", type: "flaky", config: {}, retry: { maxAttempts: 4 } }]));
    await vi.runAllTimersAsync();
    expect((await pending).nodes.f).toMatchObject({ status: "failed", attempts: 4 });
    const invalid = await engine.run(
      wf([{ id: "c", type: "condition", config: { conditionType: "less_than", field: "a", value: 1 }, retry: { maxAttempts: 5 } }]),
      { a: "x" },
    );
    expect(invalid.nodes.c).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("times out a node per attempt", async () => {
    vi.useFakeTimers();
    const hang = defineNode({ type: "hang", config: z.object({}), execute: () => new Promise(() => undefined) });
    const engine = createWorkflowEngine({ nodes: [hang] });
    const pending = engine.run(wf([{ id: "h", type: "hang", config: {}, timeoutMs: 5000 }]));
    await vi.advanceTimersByTimeAsync(5000);
    const result = await pending;
    expect(result.status).toBe("failed");
    expect(result.nodes.h?.error).toMatchObject({ code: "NODE_TIMEOUT", message: '[@atom/workflow-engine] node "h" timed out after 5000ms' });
  });

  it("aborts a delay through the run signal and reports cancelled", async () => {
    vi.useFakeTimers();
    const engine = createWorkflowEngine();
    const controller = new AbortController();
    const pending = engine.run(wf([{ id: "wait", type: "delay", config: { ms: 60_000 } }, extract("next")], [{ from: "wait", to: "next" }]), {}, {
      signal: controller.signal,
    });
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    const result = await pending;
    expect(result.status).toBe("cancelled");
    expect(result.error).toMatchObject({ code: "RUN_CANCELLED", message: "[@atom/workflow-engine] run cancelled" });
    expect(result.nodes).toEqual({});
  });

  it("cancels promptly even when a node ignores its signal", async () => {
    const deaf = defineNode({ type: "deaf", config: z.object({}), execute: () => new Promise(() => undefined) });
    const engine = createWorkflowEngine({ nodes: [deaf] });
    const controller = new AbortController();
    const pending = engine.run(wf([{ id: "d", type: "deaf", config: {} }]), {}, { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect((await pending).status).toBe("cancelled");
  });

  it("drops what an abandoned node settles with after the cancel, and keeps what settled before", async () => {
    const store = memoryRunStore();
    let release!: (value: string) => void;
    const late = defineNode({ type: "late", config: z.object({}), execute: () => new Promise<string>((resolve) => (release = resolve)) });
    const quick = defineNode({ type: "quick", config: z.object({}), execute: async () => "done" });
    const engine = createWorkflowEngine({ store, nodes: [late, quick] });
    const controller = new AbortController();
    const pending = engine.run(
      wf([extract("start"), { id: "slow", type: "late", config: {} }, { id: "fast", type: "quick", config: {} }], [
        { from: "start", to: "slow" },
        { from: "start", to: "fast" },
      ]),
      {},
      { signal: controller.signal },
    );
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const result = await pending;
    expect(result.status).toBe("cancelled");
    expect(statuses(result.nodes)).toEqual({ start: "success", fast: "success" });
    release("too late");
    await new Promise((resolve) => setImmediate(resolve));
    const stored = await store.getRun(result.runId);
    expect(stored?.status).toBe("cancelled");
    expect(statuses(stored?.nodes ?? {})).toEqual({ start: "success", fast: "success" });
  });

  it("cancels a run whose node aborts the run's signal while it starts, and ends without waiting for it", async () => {
    const controller = new AbortController();
    const rejectLater = defineNode({
      type: "abort-self",
      config: z.object({}),
      execute: () => {
        controller.abort();
        return new Promise((_, reject) => setTimeout(() => reject(new Error("late failure")), 10));
      },
    });
    const engine = createWorkflowEngine({ nodes: [rejectLater] });
    const result = await engine.run(wf([{ id: "a", type: "abort-self", config: {} }, extract("b")], [{ from: "a", to: "b" }]), {}, {
      signal: controller.signal,
    });
    expect(result.status).toBe("cancelled");
    expect(result.error).toMatchObject({ code: "RUN_CANCELLED" });
    expect(result.nodes).toEqual({});
    // The node's late rejection is handled: an unhandled one would fail this test file.
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("aborts ctx.signal and ctx.abortEmitter together, with the run's or the timeout's reason", async () => {
    const seen: Record<string, unknown[]> = {};
    const watch = defineNode({
      type: "watch",
      config: z.object({}),
      execute: ({ node, signal, abortEmitter }) =>
        new Promise((_, reject) => {
          const codes: unknown[] = (seen[node.id] = []);
          signal.addEventListener("abort", () => codes.push(["signal", (signal.reason as { code: string }).code]));
          abortEmitter.once("abort", () => {
            codes.push(["emitter", abortEmitter.aborted, (abortEmitter.reason as { code: string }).code]);
            reject(abortEmitter.reason);
          });
        }),
    });
    const engine = createWorkflowEngine({ nodes: [watch] });
    const timed = await engine.run(wf([{ id: "t", type: "watch", config: {}, timeoutMs: 5 }]));
    expect(timed.nodes.t?.error?.code).toBe("NODE_TIMEOUT");
    expect(seen.t).toEqual([["signal", "NODE_TIMEOUT"], ["emitter", true, "NODE_TIMEOUT"]]);

    const controller = new AbortController();
    const pending = engine.run(wf([{ id: "c", type: "watch", config: {} }]), {}, { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect((await pending).status).toBe("cancelled");
    expect(seen.c).toEqual([["signal", "RUN_CANCELLED"], ["emitter", true, "RUN_CANCELLED"]]);
  });

  it("cancels the run at its deadline", async () => {
    vi.useFakeTimers();
    const engine = createWorkflowEngine();
    const pending = engine.run(wf([{ id: "wait", type: "delay", config: { ms: 60_000 } }]), {}, { deadlineMs: 10_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await pending;
    expect(result.status).toBe("cancelled");
    expect(result.error).toMatchObject({ code: "RUN_CANCELLED", details: { reason: "deadline" } });
  });

  it("waits delays on the clock and passes input through", async () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
    const engine = createWorkflowEngine({ maxDelayMs: 120_000 });
    const pending = engine.run(wf([{ id: "d", type: "delay", config: { until: "2030-01-01T00:01:00Z" } }]), { v: 1 });
    await vi.advanceTimersByTimeAsync(59_999);
    let done = false;
    void pending.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).outputs).toEqual({ d: { v: 1 } });
    const tooLong = await engine.run(wf([{ id: "d", type: "delay", config: { ms: 120_001 } }]));
    expect(tooLong.nodes.d?.error?.message).toBe("[@atom/workflow-engine] ms: delay of 120001ms exceeds maxDelayMs (120000)");
  });
});

describe("tracing", () => {
  it("records one span per node with status and error code", async () => {
    const spans: { name: string; attributes: Record<string, unknown>; status?: unknown; ended: boolean }[] = [];
    const tracer = {
      startSpan(name: string, options?: { attributes?: Record<string, string | number | boolean> }) {
        const span = { name, attributes: { ...options?.attributes } as Record<string, unknown>, status: undefined as unknown, ended: false };
        spans.push(span);
        return {
          setAttribute: (key: string, value: unknown) => (span.attributes[key] = value),
          setStatus: (status: unknown) => (span.status = status),
          end: () => (span.ended = true),
        };
      },
    };
    const engine = createWorkflowEngine({ tracer });
    await engine.run(
      wf([extract("a"), { id: "c", type: "condition", config: { conditionType: "less_than", field: "x", value: 1 } }], [{ from: "a", to: "c" }]),
      { x: "s" },
      { runId: "r1" },
    );
    expect(spans).toEqual([
      {
        name: "workflow.node transform",
        attributes: { "workflow.run_id": "r1", "workflow.node_id": "a", "workflow.node_type": "transform", "workflow.node_status": "success", "workflow.attempts": 1 },
        status: { code: 1 },
        ended: true,
      },
      {
        name: "workflow.node condition",
        attributes: {
          "workflow.run_id": "r1",
          "workflow.node_id": "c",
          "workflow.node_type": "condition",
          "workflow.node_status": "failed",
          "workflow.attempts": 1,
          "workflow.error_code": "NODE_INPUT_INVALID",
        },
        status: { code: 2, message: "NODE_INPUT_INVALID" },
        ended: true,
      },
    ]);
  });
});

describe("custom nodes", () => {
  it("routes with routeTo and validates custom configs", async () => {
    const parity = defineNode({
      type: "parity",
      config: z.object({ of: z.number() }),
      branches: ["even", "odd"],
      execute: ({ config }) => routeTo(config.of % 2 === 0 ? "even" : "odd", config.of),
    });
    const engine = createWorkflowEngine({ nodes: [parity] });
    expect(engine.validate(wf([{ id: "p", type: "parity", config: { of: "x" } }])).problems).toEqual([
      { nodeId: "p", field: "nodes.0.config.of", message: "Invalid input: expected number, received string" },
    ]);
    const def = wf(
      [{ id: "p", type: "parity", config: { of: "{{ $input.n }}" } }, extract("even"), extract("odd")],
      [
        { from: "p", to: "even", branch: "even" },
        { from: "p", to: "odd", branch: "odd" },
      ],
    );
    expect(statuses((await engine.run(def, { n: 3 })).nodes)).toEqual({ p: "success", even: "skipped", odd: "success" });
  });

  it("tells each node its live predecessors, in edge order", async () => {
    const seen: Record<string, readonly string[]> = {};
    const probe = defineNode({
      type: "probe",
      config: z.object({ fail: z.boolean().default(false) }),
      execute: ({ node, predecessors, config }) => {
        seen[node.id] = predecessors;
        if (config.fail) throw new Error("boom");
        return node.id;
      },
    });
    const engine = createWorkflowEngine({ nodes: [probe] });
    const node = (id: string, fail = false) => ({ id, type: "probe", config: { fail } });
    const def = wf(
      [node("a"), node("b"), node("c", true), node("one"), node("join"), node("rescue")],
      [
        { from: "a", to: "one" },
        { from: "b", to: "join" },
        { from: "a", to: "join" },
        { from: "c", to: "join", branch: "error" },
        { from: "c", to: "rescue", branch: "error" },
        { from: "one", to: "rescue" },
      ],
    );
    const result = await engine.run(def);
    expect(result.status).toBe("success");
    expect(seen).toEqual({ a: [], b: [], c: [], one: ["a"], join: ["b", "a", "c"], rescue: ["c", "one"] });
  });
});
