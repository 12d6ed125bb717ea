import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import type pg from "pg";
import type PgBoss from "pg-boss";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startEffectServer } from "../../test/effect-server.js";
import { bossSchema, createNodeQueue, dropSchema, startBoss } from "../../test/pg-boss-setup.js";
import { comparable, mixedInput, mixedWorkflows } from "../../test/pg-boss-workflows.js";
import { createHttpClient } from "../http.js";
import { createWorkflowEngine, defineNode, type GovernanceChecker, memoryRunStore, type NodeType, type StoredRun, type WorkflowDefinition, type WorkflowEngine } from "../index.js";
import { cancelRun, createWorker, resumeRun, startRun, type WorkflowWorker } from "../pg-boss.js";
import { postgresRunStore } from "../postgres.js";

const real = Boolean(process.env.DATABASE_URL);
if (!real) {
  describe("@atom/workflow-engine/pg-boss", () => {
    it.skip("SKIPPED: pg-boss needs a real PostgreSQL server; set DATABASE_URL to run this suite", () => undefined);
  });
}

const QUEUE = "nodes";
let db: TestDatabase;
let schema: string;
let boss: PgBoss;
let server: Awaited<ReturnType<typeof startEffectServer>>;
const stops: (() => Promise<unknown>)[] = [];

// A node that waits until released or aborted, counting how many run at once (per node type limits, drain, cancel).
const gate = { open: 0, max: 0, started: 0, finished: 0, release: [] as (() => void)[] };
const held = defineNode({
  type: "held",
  config: z.object({ ms: z.number().int().optional() }),
  execute: async ({ config, signal, input }) => {
    gate.open++;
    gate.started++;
    gate.max = Math.max(gate.max, gate.open);
    try {
      await new Promise<void>((resolve, reject) => {
        if (config.ms !== undefined) setTimeout(resolve, config.ms);
        gate.release.push(resolve);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
      gate.finished++;
      return input;
    } finally {
      gate.open--;
    }
  },
});

function makeEngine(nodes: NodeType[] = [held as NodeType]): WorkflowEngine {
  const engine = createWorkflowEngine({
    store: postgresRunStore({ pool: db.client }),
    http: createHttpClient({ allowHosts: ["127.0.0.1"] }),
    nodes,
  });
  stops.push(() => engine.close());
  return engine;
}

function worker(engine: WorkflowEngine, definitions: unknown[], extra: { boss?: PgBoss; concurrency?: number; typeConcurrency?: Record<string, number> } = {}): WorkflowWorker {
  const w = createWorker({ boss: extra.boss ?? boss, engine, definitions, queue: QUEUE, pollIntervalMs: 50, cancelPollMs: 50, concurrency: extra.concurrency ?? 4, ...(extra.typeConcurrency ? { typeConcurrency: extra.typeConcurrency } : {}) });
  stops.push(() => w.stop({ timeoutMs: 1000 }));
  return w;
}

/** Polls the store until the run leaves `running` (bounded). */
async function settled(engine: WorkflowEngine, runId: string, timeoutMs = 20_000, until: (run: StoredRun) => boolean = (run) => run.status !== "running"): Promise<StoredRun> {
  const store = postgresRunStore({ pool: db.client });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await store.getRun(runId);
    if (run && until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(real)("@atom/workflow-engine/pg-boss on a real PostgreSQL", { timeout: 30_000 }, () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    schema = bossSchema();
    boss = await startBoss(schema);
    await createNodeQueue(boss, QUEUE);
    server = await startEffectServer();
  });
  // Each test's workers stop with it: a worker that does not know a workflow would take its jobs and hand them back.
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  });
  afterAll(async () => {
    await boss.stop({ graceful: false, wait: true });
    await server.close();
    await dropSchema(schema);
    await db.close();
  });

  const skipChain: WorkflowDefinition = {
    id: "skips",
    version: 1,
    nodes: [
      { id: "check", type: "condition", config: { conditionType: "greater_than", field: "n", value: 100 } },
      { id: "big", type: "transform", config: { operation: "format", template: "big" } },
      { id: "after", type: "transform", config: { operation: "format", template: "after" } },
      { id: "small", type: "transform", config: { operation: "format", template: "small {{ $run.input.n }}" } },
      { id: "wait", type: "delay", config: { ms: 20 } },
      { id: "bad", type: "transform", config: { operation: "extract", path: "a.b" } },
    ],
    edges: [
      { from: "check", to: "big", branch: "true" },
      { from: "big", to: "after" },
      { from: "check", to: "small", branch: "false" },
      { from: "small", to: "wait" },
      { from: "wait", to: "bad" },
    ],
  };

  it("runs the engine's workflow table with the same results as in-process runs", async () => {
    const definitions = [...mixedWorkflows(server.url), skipChain];
    const engine = makeEngine();
    worker(engine, definitions);
    const local = makeEngine();
    const cases = definitions.flatMap((definition) => [1, 2].map((i) => ({ definition, i })));
    const runIds = await Promise.all(cases.map(({ definition, i }) => startRun(definition, mixedInput(i), { boss, engine, queue: QUEUE })));
    for (const [index, { definition, i }] of cases.entries()) {
      const queued = await settled(engine, runIds[index] as string);
      const inProcess = await local.run(definition, mixedInput(i));
      expect(comparable(queued), `${definition.id} #${i}`).toEqual(comparable(inProcess));
    }
  }, 30_000);

  it("starts a run inside the caller's transaction: a rollback leaves neither the run nor a job", async () => {
    const engine = makeEngine();
    const [definition] = mixedWorkflows(server.url);
    const client = await (db.client as pg.Pool).connect();
    try {
      await client.query("BEGIN");
      await startRun(definition, mixedInput(1), { boss, engine, queue: QUEUE, db: client, runId: "rolled-back" });
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await postgresRunStore({ pool: db.client }).getRun("rolled-back")).toBeUndefined();
    const { rows } = await (db.client as pg.Pool).query(`SELECT count(*)::int AS n FROM ${schema}.job WHERE singleton_key LIKE 'rolled-back:%'`);
    expect(rows[0].n).toBe(0);
  });

  it("refuses a reused run id, bad options and an engine without a Postgres store, with typed errors", async () => {
    const engine = makeEngine();
    const [definition] = mixedWorkflows(server.url);
    await startRun(definition, mixedInput(1), { boss, engine, queue: QUEUE, runId: "twice" });
    await expect(startRun(definition, mixedInput(1), { boss, engine, queue: QUEUE, runId: "twice" })).rejects.toMatchObject({ code: "WORKFLOW_RUN_EXISTS" });
    await expect(startRun(definition, {}, { boss, engine, queue: "bad queue!" })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "queue" } });
    await expect(startRun(definition, {}, { boss: {} as never, engine })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "boss" } });
    const memory = createWorkflowEngine({ store: memoryRunStore() });
    await expect(startRun(definition, {}, { boss, engine: memory })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "engine" } });
    await expect(startRun({ id: "x" }, {}, { boss, engine, queue: QUEUE })).rejects.toMatchObject({ code: "WORKFLOW_INVALID" });
    await expect(cancelRun("", { engine, queue: QUEUE })).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "runId" } });
    await expect(resumeRun("nope", { boss, engine, queue: QUEUE })).rejects.toMatchObject({ code: "WORKFLOW_RUN_NOT_FOUND" });
    await expect(startRun(definition, { deep: JSON.parse("[".repeat(100) + "]".repeat(100)) }, { boss, engine, queue: QUEUE })).rejects.toMatchObject({ code: "WORKFLOW_INVALID" });
    expect(() => createWorker({ boss, engine, definitions: [], queue: QUEUE })).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "definitions" }) }));
  });

  it("a database failure is a DATABASE_ERROR naming the operation, never the driver's error", async () => {
    const closed = await createTestDatabase();
    await closed.close();
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool: closed.client, autoMigrate: false }) });
    const [definition] = mixedWorkflows(server.url);
    const failure = await startRun(definition, {}, { boss, engine, queue: QUEUE }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "DATABASE_ERROR", status: 500, message: "[@atom/workflow-engine] [pg-boss] startRun failed" });
    expect((failure as Error).cause).toBeInstanceOf(Error);
    await expect(cancelRun("r", { engine, queue: QUEUE })).rejects.toMatchObject({ code: "DATABASE_ERROR", message: "[@atom/workflow-engine] [pg-boss] cancelRun failed" });
    await expect(resumeRun("r", { boss, engine, queue: QUEUE })).rejects.toMatchObject({ code: "DATABASE_ERROR", message: "[@atom/workflow-engine] [pg-boss] resumeRun failed" });
  });

  it("a queued run is owned by the queue: an in-process resume gets WORKFLOW_RUN_OWNED and it is never stale", async () => {
    const engine = makeEngine();
    const definition: WorkflowDefinition = { id: "owned", version: 1, nodes: [{ id: "h", type: "held", config: {} }], edges: [] };
    const runId = await startRun(definition, {}, { boss, engine, queue: QUEUE });
    await expect(engine.resume(runId)).rejects.toMatchObject({ code: "WORKFLOW_RUN_OWNED", details: { reason: "leased" } });
    expect((await engine.listStaleRuns()).map((run) => run.runId)).not.toContain(runId);
    await cancelRun(runId, { engine, queue: QUEUE });
  });

  it("a delay scheduled a few seconds ahead completes after every worker stopped and a new one started", async () => {
    const definition: WorkflowDefinition = {
      id: "later",
      version: 1,
      nodes: [
        { id: "wait", type: "delay", config: { ms: 2500 } },
        { id: "then", type: "transform", config: { operation: "format", template: "woke {{ $run.input.n }}" } },
      ],
      edges: [{ from: "wait", to: "then" }],
    };
    const firstBoss = await startBoss(schema);
    const first = worker(makeEngine(), [definition], { boss: firstBoss });
    const runId = await startRun(definition, { n: 7 }, { boss: firstBoss, engine: makeEngine(), queue: QUEUE });
    await first.stop();
    await firstBoss.stop({ graceful: false, wait: true });
    expect((await settled(makeEngine(), runId, 1000, () => true)).status).toBe("running");
    const secondBoss = await startBoss(schema);
    stops.push(() => secondBoss.stop({ graceful: false, wait: true }));
    worker(makeEngine(), [definition], { boss: secondBoss });
    const done = await settled(makeEngine(), runId);
    expect(done.status).toBe("success");
    expect(done.nodes.then?.output).toBe("woke 7");
  }, 30_000);

  it("cancelling a run aborts its in-flight node on another worker and starts none of its successors", async () => {
    gate.release = [];
    const definition: WorkflowDefinition = {
      id: "cancel-me",
      version: 1,
      nodes: [
        { id: "hold", type: "held", config: {} },
        { id: "next", type: "transform", config: { operation: "format", template: "next" } },
      ],
      edges: [{ from: "hold", to: "next" }],
    };
    const otherBoss = await startBoss(schema);
    stops.push(() => otherBoss.stop({ graceful: false, wait: true }));
    const other = makeEngine();
    const seen: string[] = [];
    other.on("node:finish", ({ nodeId }) => seen.push(nodeId));
    worker(other, [definition], { boss: otherBoss });
    const started = gate.started;
    const runId = await startRun(definition, {}, { boss, engine: makeEngine(), queue: QUEUE });
    await settled(other, runId, 10_000, () => gate.started > started);
    expect(await cancelRun(runId, { engine: makeEngine(), queue: QUEUE })).toBe(true);
    const run = await settled(other, runId, 10_000, () => gate.open === 0);
    expect(run.status).toBe("cancelled");
    expect(run.nodes).toEqual({});
    expect(seen).toEqual([]);
    await resumeRun(runId, { boss, engine: makeEngine(), queue: QUEUE });
    await settled(other, runId, 10_000, () => gate.open > 0);
    for (const release of gate.release.splice(0)) release();
    const resumed = await settled(other, runId);
    expect(resumed.status).toBe("success");
    expect(resumed.nodes.next?.output).toBe("next");
  });

  it("stop() drains: an in-flight node finishes and is recorded before stop resolves", async () => {
    const definition: WorkflowDefinition = { id: "drain", version: 1, nodes: [{ id: "hold", type: "held", config: { ms: 400 } }], edges: [] };
    const engine = makeEngine();
    const w = worker(engine, [definition]);
    const finished = gate.finished;
    const runId = await startRun(definition, { x: 1 }, { boss, engine, queue: QUEUE });
    await settled(engine, runId, 10_000, () => w.active > 0);
    await w.stop({ timeoutMs: 10_000 });
    expect(gate.finished).toBe(finished + 1);
    expect((await postgresRunStore({ pool: db.client }).getRun(runId))?.status).toBe("success");
  });

  it("limits a node type across workers and emits each node's events from the worker that ran it", async () => {
    gate.max = 0;
    const definition: WorkflowDefinition = { id: "limited", version: 1, nodes: [{ id: "hold", type: "held", config: { ms: 150 } }, { id: "after", type: "transform", config: { operation: "format", template: "ok" } }], edges: [{ from: "hold", to: "after" }] };
    const bosses = [await startBoss(schema), await startBoss(schema)];
    for (const b of bosses) stops.push(() => b.stop({ graceful: false, wait: true }));
    const events: { worker: number; runId: string; nodeId: string }[] = [];
    bosses.forEach((b, index) => {
      const engine = makeEngine();
      engine.on("node:finish", ({ runId, nodeId }) => events.push({ worker: index, runId, nodeId }));
      worker(engine, [definition], { boss: b, concurrency: 4, typeConcurrency: { held: 1 } });
    });
    const engine = makeEngine();
    const runIds = await Promise.all([0, 1, 2, 3, 4, 5].map(() => startRun(definition, {}, { boss, engine, queue: QUEUE })));
    for (const runId of runIds) expect((await settled(engine, runId)).status).toBe("success");
    expect(gate.max).toBe(1);
    const mine = events.filter((event) => runIds.includes(event.runId));
    expect(mine).toHaveLength(runIds.length * 2);
    expect(new Set(mine.map((event) => `${event.runId}:${event.nodeId}`)).size).toBe(mine.length);
  });

  it("a join whose inputs finish on two workers that both read the run before either was recorded runs once, with both", async () => {
    gate.release = [];
    const definition: WorkflowDefinition = {
      id: "join-two",
      version: 1,
      nodes: [
        { id: "left", type: "held", config: {} },
        { id: "right", type: "held", config: {} },
        { id: "join", type: "transform", config: { operation: "format", template: "{{ $node.left.status }}+{{ $node.right.status }}" } },
      ],
      edges: [
        { from: "left", to: "join" },
        { from: "right", to: "join" },
      ],
    };
    const bosses = [await startBoss(schema), await startBoss(schema)];
    for (const b of bosses) stops.push(() => b.stop({ graceful: false, wait: true }));
    const joins: string[] = [];
    for (const b of bosses) {
      const engine = makeEngine();
      engine.on("node:finish", ({ runId, nodeId }) => nodeId === "join" && joins.push(runId));
      worker(engine, [definition], { boss: b, concurrency: 1 });
    }
    const engine = makeEngine();
    const started = gate.started;
    const runId = await startRun(definition, {}, { boss, engine, queue: QUEUE });
    // Each worker holds one input: both read the run while neither input was recorded.
    await settled(engine, runId, 10_000, () => gate.started === started + 2);
    for (const release of gate.release.splice(0)) release();
    const run = await settled(engine, runId);
    expect(run.status).toBe("success");
    expect(run.nodes.join?.output).toBe("success+success");
    expect(joins).toEqual([runId]);
  });

  it("records results as written, keys in order, whatever quotes, backslashes or dollar signs they or the run id hold", async () => {
    const tricky = "it's $$ $atom_0$ $x$ \\' \\\\ \" -- ; ROLLBACK; \u00e9";
    const definition: WorkflowDefinition = {
      id: "quoting",
      version: 1,
      nodes: [
        { id: "echo", type: "held", config: { ms: 1 } },
        { id: "say", type: "transform", config: { operation: "format", template: "{{ $run.input.s }}" } },
      ],
      edges: [{ from: "echo", to: "say" }],
    };
    const engine = makeEngine();
    worker(engine, [definition]);
    const input = { z: 1, s: tricky, a: { y: [2, 1], b: null } };
    const runId = `run "1", {x} \\ $atom_0$ '${Date.now()}`;
    const run = await settled(engine, await startRun(definition, input, { boss, engine, queue: QUEUE, runId }));
    expect(run.status).toBe("success");
    expect(JSON.stringify(run.nodes.echo?.output)).toBe(JSON.stringify(input));
    expect(run.nodes.say?.output).toBe(tricky);
  });

  it("records one OpenTelemetry span per executed node on the worker, as in-process", async () => {
    const spans: { name: string; attributes: Record<string, unknown>; status?: number }[] = [];
    const tracer = {
      startSpan(name: string, options?: { attributes?: Record<string, string | number | boolean> }) {
        const span: (typeof spans)[number] = { name, attributes: { ...options?.attributes } };
        spans.push(span);
        return {
          setAttribute: (key: string, value: unknown) => (span.attributes[key] = value),
          setStatus: ({ code }: { code: number }) => (span.status = code),
          end: () => undefined,
        };
      },
    };
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool: db.client }), tracer, http: createHttpClient({ allowHosts: ["127.0.0.1"] }) });
    stops.push(() => engine.close());
    const handled = mixedWorkflows(server.url).find((definition) => definition.id === "handled") as WorkflowDefinition;
    worker(engine, [handled]);
    const runId = await startRun(handled, {}, { boss, engine: makeEngine(), queue: QUEUE });
    expect((await settled(engine, runId)).status).toBe("success");
    const mine = spans.filter((span) => span.attributes["workflow.run_id"] === runId);
    expect(mine.map((span) => [span.name, span.attributes["workflow.node_id"], span.attributes["workflow.node_status"], span.status])).toEqual([
      ["workflow.node http_request", "call", "failed", 2],
      ["workflow.node transform", "recovered", "success", 1],
    ]);
  });

  it("pauses on a governance approval and, resumed with the approval id, runs the action once on a worker", async () => {
    const checks: { agentId?: string; approvalId?: string }[] = [];
    const effects: unknown[] = [];
    const governance: GovernanceChecker = {
      check: async (input) => {
        checks.push({ agentId: input.agentId, ...(input.approvalId === undefined ? {} : { approvalId: input.approvalId }) });
        return input.approvalId === "proposal-1" ? { outcome: "allow", reason: "approved" } : { outcome: "approval_required", reason: "needs a human", proposalId: "proposal-1" };
      },
    };
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool: db.client }), governance });
    stops.push(() => engine.close());
    engine.registerAction("test.refund", { input: z.object({ amount: z.number() }), complexity: 3, execute: async ({ input }) => effects.push(input) });
    const pauses: unknown[] = [];
    engine.on("run:finish", ({ result }) => pauses.push(result.pendingApproval));
    const definition: WorkflowDefinition = { id: "refund", version: 1, nodes: [{ id: "refund", type: "action", config: { action: "test.refund", input: { amount: 5 } } }], edges: [] };
    worker(engine, [definition]);
    const runId = await startRun(definition, {}, { boss, engine, queue: QUEUE, agentId: "agent-7" });
    expect((await settled(engine, runId)).status).toBe("paused");
    expect(pauses).toContainEqual({ nodeId: "refund", action: "test.refund", reason: "needs a human", proposalId: "proposal-1" });
    await resumeRun(runId, { boss, engine, queue: QUEUE, approvals: { refund: "proposal-1" } });
    expect((await settled(engine, runId)).status).toBe("success");
    expect(effects).toEqual([{ amount: 5 }]);
    expect(checks).toEqual([{ agentId: "agent-7" }, { agentId: "agent-7", approvalId: "proposal-1" }]);
  });

  it("a run resumed after a node failed without an error edge while it was paused ends failed and runs nothing more", async () => {
    const effects: unknown[] = [];
    const governance: GovernanceChecker = {
      check: async (input) => (input.approvalId === "proposal-2" ? { outcome: "allow", reason: "approved" } : { outcome: "approval_required", reason: "needs a human", proposalId: "proposal-2" }),
    };
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool: db.client }), governance, http: createHttpClient({ allowHosts: ["127.0.0.1"] }) });
    stops.push(() => engine.close());
    engine.registerAction("test.refund", { input: z.object({ amount: z.number() }), complexity: 3, execute: async ({ input }) => effects.push(input) });
    // `refund` pauses the run at once; `call`, already running, times out (no error edge) once the run is paused.
    const definition: WorkflowDefinition = {
      id: "paused-then-failed",
      version: 1,
      nodes: [
        { id: "start", type: "transform", config: { operation: "format", template: "go" } },
        { id: "refund", type: "action", config: { action: "test.refund", input: { amount: 5 } } },
        { id: "call", type: "http_request", config: { url: `${server.url}/slow?ms=2000` }, timeoutMs: 400, retry: { maxAttempts: 1 } },
      ],
      edges: [
        { from: "start", to: "refund" },
        { from: "start", to: "call" },
      ],
    };
    // Cancellation is polled rarely here, so the running `call` is not aborted when the run pauses.
    const slowCancel = createWorker({ boss, engine, definitions: [definition], queue: QUEUE, pollIntervalMs: 50, cancelPollMs: 60_000 });
    stops.push(() => slowCancel.stop({ timeoutMs: 1000 }));
    const runId = await startRun(definition, {}, { boss, engine, queue: QUEUE, agentId: "agent-7" });
    const paused = await settled(engine, runId, 20_000, (run) => run.status !== "running" && run.nodes.call !== undefined);
    expect(paused).toMatchObject({ status: "paused", nodes: { call: { status: "failed" } } });
    await resumeRun(runId, { boss, engine, queue: QUEUE, approvals: { refund: "proposal-2" } });
    const done = await settled(engine, runId);
    expect(done).toMatchObject({ status: "failed", error: { code: paused.nodes.call?.error?.code } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(effects).toEqual([]);
  });
});
