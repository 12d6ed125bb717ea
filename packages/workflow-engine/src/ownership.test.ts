import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type Clock, createWorkflowEngine, defineNode, memoryRunStore, type RunStore, type WorkflowDefinition } from "./index.js";
import { postgresRunStore } from "./postgres.js";

let db: TestDatabase;
// Starting PGlite takes seconds on a loaded machine.
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await db.close();
});

/** A `step` type counting executions per run+node; nodes with `block` wait until `release()` or abort (when `blocking`). */
function steps(blocking = true) {
  const calls = new Map<string, number>();
  const waiters: (() => void)[] = [];
  let started: () => void = () => undefined;
  const blocked = new Promise<void>((resolve) => (started = resolve));
  const step = defineNode({
    type: "step",
    config: z.object({ block: z.boolean().default(false) }),
    execute: async ({ node, runId, config, signal }) => {
      const key = `${runId}:${node.id}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      if (blocking && config.block) {
        started();
        await new Promise<void>((resolve, reject) => {
          waiters.push(resolve);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      }
      return node.id;
    },
  });
  return { calls, step, blocked, release: () => waiters.splice(0).forEach((resolve) => resolve()) };
}

const chain = (block: boolean): WorkflowDefinition => ({
  id: "chain",
  version: 1,
  nodes: [
    { id: "a", type: "step", config: {} },
    { id: "b", type: "step", config: { block } },
    { id: "c", type: "step", config: {} },
  ],
  edges: [
    { from: "a", to: "b" },
    { from: "b", to: "c" },
  ],
});

/** A clock whose timers never fire: an engine on it never heartbeats, like one that hung or lost its network. */
const frozenClock: Clock = { now: () => Date.now(), setTimeout: () => undefined, clearTimeout: () => undefined };

/** Starts a run that blocks in `b`, cancels it, and returns its id: a run any engine may resume. */
async function cancelledRun(store: RunStore, runId: string) {
  const { step, blocked } = steps();
  const engine = createWorkflowEngine({ store, nodes: [step] });
  const controller = new AbortController();
  const pending = engine.run(chain(true), {}, { runId, signal: controller.signal });
  await blocked;
  controller.abort();
  expect((await pending).status).toBe("cancelled");
}

let time = Date.parse("2030-01-01T00:00:00Z");
const stores: [string, () => RunStore, (ms: number) => Promise<void>][] = [
  ["memory", () => memoryRunStore({ retainFinished: 100, now: () => time }), async (ms) => void (time += ms)],
  // The Postgres lease is on the server's clock, so letting one expire takes real time.
  ["postgres", () => postgresRunStore({ pool: db.client }), (ms) => new Promise((resolve) => setTimeout(resolve, ms))],
];

describe.each(stores)("run ownership (%s store)", (_, makeStore, elapse) => {
  it("refuses a reused runId with WORKFLOW_RUN_EXISTS and leaves the first run untouched", async () => {
    const store = makeStore();
    const { step, calls, blocked, release } = steps();
    const engine = createWorkflowEngine({ store, nodes: [step] });
    const first = engine.run(chain(true), { first: true }, { runId: "same" });
    await blocked;
    await expect(engine.run(chain(false), { first: false }, { runId: "same" })).rejects.toMatchObject({
      code: "WORKFLOW_RUN_EXISTS",
      status: 409,
      message: '[@atom/workflow-engine] run "same" already exists',
    });
    release();
    expect((await first).status).toBe("success");
    expect(Object.fromEntries(calls)).toEqual({ "same:a": 1, "same:b": 1, "same:c": 1 });
    expect(await store.getRun("same")).toMatchObject({ input: { first: true }, status: "success" });
  });

  it("refuses resume with WORKFLOW_RUN_OWNED while another engine executes the run, without re-running its node", async () => {
    const store = makeStore();
    const owner = steps();
    const engineA = createWorkflowEngine({ store, nodes: [owner.step] });
    const pending = engineA.run(chain(true), {}, { runId: "busy" });
    await owner.blocked;
    const other = steps();
    const engineB = createWorkflowEngine({ store, nodes: [other.step] });
    await expect(engineB.resume("busy")).rejects.toMatchObject({
      code: "WORKFLOW_RUN_OWNED",
      status: 409,
      details: { runId: "busy", reason: "leased", leaseExpiresAt: expect.any(String) },
    });
    expect(other.calls.size).toBe(0);
    expect(await engineB.listStaleRuns()).toEqual([]);
    owner.release();
    expect((await pending).status).toBe("success");
    expect(await store.getRun("busy")).toMatchObject({ status: "success" });
  });

  it("lists a run whose owner stopped heartbeating as stale; recoverStale takes it over and the old owner's writes are refused", async () => {
    const store = makeStore();
    const stuck = steps();
    const engineA = createWorkflowEngine({ store, nodes: [stuck.step], clock: frozenClock, leaseMs: 1000 });
    const orphan = engineA.run(chain(true), {}, { runId: "orphan" });
    await stuck.blocked;
    const rescuer = steps();
    const engineB = createWorkflowEngine({ store, nodes: [rescuer.step] });
    expect(await engineB.recoverStale()).toEqual([]);
    await elapse(1100);
    expect(await engineB.listStaleRuns()).toEqual([{ runId: "orphan", workflowId: "chain", leaseExpiresAt: expect.any(String) }]);
    const recovered = await engineB.recoverStale();
    expect(recovered.map((run) => run.runId)).toEqual(["orphan"]);
    // b is blocking in B now; A's b finishes first but may not write.
    await rescuer.blocked;
    stuck.release();
    await expect(orphan).rejects.toMatchObject({ code: "WORKFLOW_RUN_OWNED", details: { reason: "lease_lost" } });
    rescuer.release();
    expect(await recovered[0]?.result).toMatchObject({ status: "success", outputs: { c: "c" } });
    expect(Object.fromEntries(rescuer.calls)).toEqual({ "orphan:b": 1, "orphan:c": 1 });
    expect(stuck.calls.get("orphan:c")).toBeUndefined();
    expect(await engineB.listStaleRuns()).toEqual([]);
  });

  it("recoverStale fails a run whose node failed without an error edge before the crash, and starts no new node", async () => {
    const store = makeStore();
    const stuck = steps();
    const broken = defineNode({
      type: "broken",
      config: z.object({}),
      execute: () => {
        throw new Error("charge declined");
      },
    });
    // `bad` fails at once and is recorded while `b` is still in flight; then the owner stops heartbeating.
    const definition: WorkflowDefinition = {
      id: "fork",
      version: 1,
      nodes: [
        { id: "bad", type: "broken", config: {} },
        { id: "b", type: "step", config: { block: true } },
        { id: "c", type: "step", config: {} },
        { id: "join", type: "step", config: {} },
      ],
      edges: [
        { from: "bad", to: "join" },
        { from: "b", to: "join" },
        { from: "b", to: "c" },
      ],
    };
    const engineA = createWorkflowEngine({ store, nodes: [stuck.step, broken], clock: frozenClock, leaseMs: 1000 });
    const orphan = engineA.run(definition, {}, { runId: "orphan-failed" });
    await stuck.blocked;
    await vi.waitFor(async () =>
      expect((await store.getRun("orphan-failed"))?.nodes.bad).toMatchObject({ status: "failed", error: { code: "INTERNAL_ERROR" } }),
    );
    await elapse(1100);
    const rescuer = steps();
    const engineB = createWorkflowEngine({ store, nodes: [rescuer.step, broken] });
    const recovered = await engineB.recoverStale();
    expect(recovered.map((run) => run.runId)).toEqual(["orphan-failed"]);
    const result = await recovered[0]?.result;
    expect(result).toMatchObject({ status: "failed", error: { code: "INTERNAL_ERROR" } });
    expect(Object.keys(result?.nodes ?? {})).toEqual(["bad"]);
    expect(rescuer.calls.size).toBe(0);
    expect(await store.getRun("orphan-failed")).toMatchObject({ status: "failed", error: { code: "INTERNAL_ERROR" } });
    stuck.release();
    await expect(orphan).rejects.toMatchObject({ code: "WORKFLOW_RUN_OWNED", details: { reason: "lease_lost" } });
  });

  it("validates listStaleRuns and recoverStale options", async () => {
    const engine = createWorkflowEngine({ store: makeStore() });
    await expect(engine.listStaleRuns({ limit: 0 })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "limit" } });
    await expect(engine.recoverStale({ limit: 1.5 })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "limit" } });
  });
});

describe("heartbeat", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps renewing an executing run's lease, so it never goes stale however long it runs", async () => {
    vi.useFakeTimers();
    const store = memoryRunStore();
    const { step, blocked, release } = steps();
    const engine = createWorkflowEngine({ store, nodes: [step], leaseMs: 1000, heartbeatMs: 300 });
    const pending = engine.run(chain(true), {}, { runId: "long" });
    await blocked;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await engine.listStaleRuns()).toEqual([]);
    await expect(createWorkflowEngine({ store, nodes: [step] }).resume("long")).rejects.toMatchObject({ code: "WORKFLOW_RUN_OWNED" });
    release();
    expect((await pending).status).toBe("success");
  });
});

describe("two engines racing resume", () => {
  it(`exactly one executes each node; the other gets WORKFLOW_RUN_OWNED (${process.env.DATABASE_URL ? "PostgreSQL, two pools" : "PGlite"})`, async () => {
    // On a real server each engine has its own pool, so the two resumes really run in parallel sessions.
    const poolA = db.newPool({ max: 4 }) ?? db.client;
    const poolB = db.newPool({ max: 4 }) ?? db.client;
    const setup = postgresRunStore({ pool: db.client });
    const ids = Array.from({ length: 12 }, (_, i) => `race-${i}`);
    for (const id of ids) await cancelledRun(setup, id);

    // Node b blocks until every winner reached it, so each loser is refused while the winner's lease is live (with
    // non-blocking nodes a fast winner could finish first, and the loser would get WORKFLOW_RUN_NOT_RESUMABLE).
    const shared = steps(true);
    const engineA = createWorkflowEngine({ store: postgresRunStore({ pool: poolA }), nodes: [shared.step] });
    const engineB = createWorkflowEngine({ store: postgresRunStore({ pool: poolB }), nodes: [shared.step] });
    const pairs = ids.map((id) => Promise.allSettled([engineA.resume(id), engineB.resume(id)]));
    await vi.waitFor(() => expect(ids.map((id) => shared.calls.get(`${id}:b`))).toEqual(ids.map(() => 1)), { timeout: 20_000 });
    shared.release();
    const outcomes = await Promise.all(pairs);
    for (const [i, pair] of outcomes.entries()) {
      const won = pair.filter((outcome) => outcome.status === "fulfilled");
      const lost = pair.filter((outcome) => outcome.status === "rejected");
      expect(won.map((outcome) => outcome.value.status)).toEqual(["success"]);
      expect(lost.map((outcome) => (outcome.reason as { code: string }).code)).toEqual(["WORKFLOW_RUN_OWNED"]);
      expect([shared.calls.get(`race-${i}:b`), shared.calls.get(`race-${i}:c`)]).toEqual([1, 1]);
    }
    // Node a settled in the first execution and ran in neither engine.
    expect(ids.map((id) => shared.calls.get(`${id}:a`))).toEqual(ids.map(() => undefined));
  });
});
