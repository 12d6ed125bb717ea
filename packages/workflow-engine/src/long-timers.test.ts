import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createWorkflowEngine, defineNode, MAX_DURATION_MS, type RunResult, type WorkflowDefinition } from "./index.js";

const DAY = 86_400_000;
const wf = (nodes: WorkflowDefinition["nodes"], edges: WorkflowDefinition["edges"] = []): WorkflowDefinition => ({
  id: "wf",
  version: 1,
  nodes,
  edges,
});
// A heartbeat every few days: the default (every 10 s) would fire 260,000 fake timers over 30 days.
const lease = { leaseMs: 2_147_483_647 };
const hang = defineNode({ type: "hang", config: z.object({}), execute: () => new Promise(() => undefined) });

/** Tracks whether a run settled, so a test can assert it has not yet. */
function watch(pending: Promise<RunResult>) {
  const state: { result?: RunResult } = {};
  void pending.then((result) => (state.result = result));
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

// Node clamps a timer longer than 2^31-1 ms (24.8 days) to 1 ms; the engine must split such waits.
describe("waits longer than 2^31-1 ms", () => {
  it("a 30-day delay waits 30 days before its successor runs", async () => {
    vi.useFakeTimers();
    const engine = createWorkflowEngine({ ...lease, maxDelayMs: 31 * DAY });
    const def = wf(
      [
        { id: "wait", type: "delay", config: { ms: 30 * DAY } },
        { id: "next", type: "transform", config: { operation: "extract", path: "" } },
      ],
      [{ from: "wait", to: "next" }],
    );
    const state = watch(engine.run(def, { v: 1 }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(30 * DAY - 1_001);
    expect(state.result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(state.result).toMatchObject({ status: "success", outputs: { next: { v: 1 } } });
  });

  it("a 30-day run deadline fires after 30 days, not at once", async () => {
    vi.useFakeTimers();
    const engine = createWorkflowEngine({ ...lease, nodes: [hang] });
    const state = watch(engine.run(wf([{ id: "h", type: "hang", config: {} }]), {}, { deadlineMs: 30 * DAY }));
    await vi.advanceTimersByTimeAsync(29 * DAY);
    expect(state.result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(DAY);
    expect(state.result).toMatchObject({ status: "cancelled", error: { code: "RUN_CANCELLED", details: { reason: "deadline" } } });
  });

  it("a 30-day node timeout fires after 30 days, not at once", async () => {
    vi.useFakeTimers();
    const engine = createWorkflowEngine({ ...lease, nodes: [hang] });
    const state = watch(engine.run(wf([{ id: "h", type: "hang", config: {}, timeoutMs: 30 * DAY }])));
    await vi.advanceTimersByTimeAsync(29 * DAY);
    expect(state.result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(DAY);
    expect(state.result).toMatchObject({ status: "failed", nodes: { h: { error: { code: "NODE_TIMEOUT" } } } });
  });

  it("a cancelled long wait clears its timer chain", async () => {
    vi.useFakeTimers();
    const engine = createWorkflowEngine({ ...lease, maxDelayMs: 31 * DAY });
    const controller = new AbortController();
    const pending = engine.run(wf([{ id: "wait", type: "delay", config: { ms: 30 * DAY } }]), {}, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(25 * DAY);
    controller.abort();
    expect((await pending).status).toBe("cancelled");
    // Only the engine's heartbeat timer is left; it lapses at its next tick (a third of leaseMs, under 9 days).
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(9 * DAY);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("every duration has a schema maximum", () => {
  const engine = createWorkflowEngine({ nodes: [hang] });
  // 366 days and 1 ms, spelled out so the cases do not depend on the export they check.
  const over = 31_622_400_001;

  it("the maximum is 366 days", () => {
    expect(MAX_DURATION_MS).toBe(over - 1);
  });

  it.each([
    [{ id: "d", type: "delay", config: { ms: over } }, "nodes.0.config.ms"],
    [{ id: "h", type: "hang", config: {}, timeoutMs: over }, "nodes.0.timeoutMs"],
    [{ id: "h", type: "hang", config: {}, retry: { maxAttempts: 2, initialDelayMs: over } }, "nodes.0.retry.initialDelayMs"],
    [{ id: "h", type: "hang", config: {}, retry: { maxAttempts: 2, maxDelayMs: over } }, "nodes.0.retry.maxDelayMs"],
    [{ id: "r", type: "http_request", config: { url: "https://example.com", timeoutMs: over } }, "nodes.0.config.timeoutMs"],
  ])("refuses %j at %s", (node, field) => {
    const result = engine.validate(wf([node as WorkflowDefinition["nodes"][number]]));
    expect(result.problems.map((problem) => problem.field)).toEqual([field]);
  });

  it("refuses a run deadline and maxDelayMs above the maximum", async () => {
    await expect(engine.run(wf([{ id: "h", type: "hang", config: {} }]), {}, { deadlineMs: over })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "deadlineMs" },
    });
    expect(() => createWorkflowEngine({ maxDelayMs: over })).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR" }));
  });
});
