import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import type { AtomError } from "@atom/errors";
import type pg from "pg";
import type PgBoss from "pg-boss";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startEffectServer } from "../../test/effect-server.js";
import { bossSchema, createNodeQueue, dropSchema, startBoss } from "../../test/pg-boss-setup.js";
import { comparable, mixedInput, mixedWorkflows } from "../../test/pg-boss-workflows.js";
import { createHttpClient } from "../http.js";
import { createWorkflowEngine, defineNode, type GovernanceChecker, memoryRunStore, type NodeType, type StoredRun, type WorkflowDefinition, type WorkflowEngine } from "../index.js";
import { type BossDb, cancelRun, createWorker, resumeRun, startRun, type WorkflowWorker } from "../pg-boss.js";
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

interface WorkerExtra {
  boss?: PgBoss;
  queue?: string;
  concurrency?: number;
  typeConcurrency?: Record<string, number>;
  cancelPollMs?: number;
  onError?: (error: AtomError) => void;
  preparedStatements?: boolean;
}

function worker(engine: WorkflowEngine, definitions: unknown[], extra: WorkerExtra = {}): WorkflowWorker {
  const w = createWorker({
    boss: extra.boss ?? boss,
    engine,
    definitions,
    queue: extra.queue ?? QUEUE,
    pollIntervalMs: 50,
    cancelPollMs: extra.cancelPollMs ?? 50,
    concurrency: extra.concurrency ?? 4,
    ...(extra.typeConcurrency ? { typeConcurrency: extra.typeConcurrency } : {}),
    ...(extra.onError ? { onError: extra.onError } : {}),
    ...(extra.preparedStatements === undefined ? {} : { preparedStatements: extra.preparedStatements }),
  });
  stops.push(() => w.stop({ timeoutMs: 1000 }));
  return w;
}

/** `target` with some of its methods replaced (the others bound to it). */
function withMethods<T extends object>(target: T, methods: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, key) {
      if (Object.hasOwn(methods, key)) return methods[key as keyof T];
      const value: unknown = Reflect.get(object, key);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

/** A workflow `id` (version 1) of one node, `a`, whose output is the run input's `n` as text. */
function echoWorkflow(id: string): WorkflowDefinition {
  return { id, version: 1, nodes: [{ id: "a", type: "transform", config: { operation: "format", template: "{{ $run.input.n }}" } }], edges: [] };
}

/** The test's boss with some of its methods replaced. */
function bossWith(methods: Partial<Record<keyof PgBoss, unknown>>): PgBoss {
  return withMethods(boss, methods);
}

/**
 * A pool on the test database whose `query` rejects with `error` the first time `matches(text)`; `failed()` counts
 * the matching statements so far.
 */
function failingOnce(matches: (text: string) => boolean, error: Error): { pool: pg.Pool; failed: () => number } {
  const pool = db.newPool() as pg.Pool;
  let count = 0;
  const query = (text: unknown, values?: unknown[]) => {
    if (typeof text === "string" && matches(text) && count++ === 0) return Promise.reject(error);
    return pool.query(text as string, values);
  };
  return { pool: withMethods(pool, { query }), failed: () => count };
}

/** The test's boss, but its `complete` is `complete`. */
function completingWith(complete: () => Promise<unknown>): PgBoss {
  return bossWith({ complete });
}

/** Polls the store until the run leaves `running` (bounded). */
async function settled(engine: WorkflowEngine, runId: string, timeoutMs = 20_000, until: (run: StoredRun) => boolean | Promise<boolean> = (run) => run.status !== "running"): Promise<StoredRun> {
  const store = postgresRunStore({ pool: db.client });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await store.getRun(runId);
    if (run && (await until(run))) return run;
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
    const { rows } = await (db.client as pg.Pool).query(`SELECT count(*)::int AS n FROM ${schema}.job WHERE data->>'runId' = 'rolled-back'`);
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

  it("fetches with pg-boss's statement as it is when the statement cannot carry the read of its runs", async () => {
    const queue = "plain-fetch";
    await createNodeQueue(boss, queue);
    const format = (id: string) => ({ id, type: "transform", config: { operation: "format", template: `${id} {{ $run.input.n }}` } });
    const definition = { id: "plain-fetch", version: 1, nodes: [format("a"), format("b")], edges: [{ from: "a", to: "b" }] };
    // A statement ending in a line comment runs alone, but not inside another: it comments out what follows.
    const fetch = (name: string, options: { batchSize: number; db: BossDb }) =>
      boss.fetch(name, { ...options, db: { executeSql: (text: string, values?: unknown[]) => options.db.executeSql(`${text}\n-- a later pg-boss`, values) } });
    const errors: AtomError[] = [];
    worker(makeEngine(), [definition], { boss: bossWith({ fetch }), queue, onError: (error) => errors.push(error) });
    const runIds = await Promise.all([1, 2, 3].map((n) => startRun(definition, { n }, { boss, engine: makeEngine(), queue })));
    for (const [i, runId] of runIds.entries()) {
      const run = await settled(makeEngine(), runId);
      expect([run.status, run.nodes.b?.output]).toEqual(["success", `b ${i + 1}`]);
    }
    expect(errors).toEqual([]);
  });

  it("enqueues successors with pg-boss's insert as it is when the insert is not one statement, or cannot be nested", async () => {
    const format = (id: string) => ({ id, type: "transform", config: { operation: "format", template: `${id} {{ $run.input.n }}` } });
    const inserts = {
      // Two statements: nothing to fold into the worker's own, it runs inside the settle transaction.
      "two-statements": async (jobs: object[], options: { db: BossDb }) => {
        await options.db.executeSql("SELECT 1");
        return boss.insert(jobs as never, options as never);
      },
      // Ending in a line comment: it runs alone (and sent with a COMMIT), but not nested in another statement.
      "line-comment": (jobs: object[], options: { db: BossDb }) =>
        boss.insert(jobs as never, { db: { executeSql: (text: string, values?: unknown[]) => options.db.executeSql(`${text}\n-- a later pg-boss`, values) } } as never),
    };
    for (const [name, insert] of Object.entries(inserts)) {
      const queue = `insert-${name}`;
      await createNodeQueue(boss, queue);
      const definition = { id: queue, version: 1, nodes: [format("a"), format("b"), format("c")], edges: [{ from: "a", to: "b" }, { from: "b", to: "c" }] };
      const errors: AtomError[] = [];
      worker(makeEngine(), [definition], { boss: bossWith({ insert }), queue, onError: (error) => errors.push(error) });
      const runIds = await Promise.all([1, 2].map((n) => startRun(definition, { n }, { boss, engine: makeEngine(), queue })));
      for (const [i, runId] of runIds.entries()) {
        const run = await settled(makeEngine(), runId);
        expect([name, run.status, run.nodes.c?.output]).toEqual([name, "success", `c ${i + 1}`]);
      }
      expect(errors).toEqual([]);
    }
  });

  it("completes a recorded batch's jobs in the statement that records it, or with pg-boss's complete as it is when that cannot be nested", async () => {
    const format = (id: string) => ({ id, type: "transform", config: { operation: "format", template: `${id} {{ $run.input.n }}` } });
    const completes = {
      nested: undefined,
      // Ending in a line comment: it runs alone, but not nested in another statement.
      "line-comment": (name: string, ids: string[], data: unknown, options?: { db?: BossDb }) => {
        const db = options?.db ?? (boss.getDb() as BossDb);
        return boss.complete(name, ids as never, data as object, { db: { executeSql: (text: string, values?: unknown[]) => db.executeSql(`${text}\n-- a later pg-boss`, values) } } as never);
      },
    };
    for (const [name, complete] of Object.entries(completes)) {
      const queue = `complete-${name}`;
      await createNodeQueue(boss, queue);
      // One run alone (no successor to insert) and a chain (successors inserted in the same statement).
      const definitions = [
        { id: `${queue}-one`, version: 1, nodes: [format("a")], edges: [] },
        { id: `${queue}-chain`, version: 1, nodes: [format("a"), format("b"), format("c")], edges: [{ from: "a", to: "b" }, { from: "b", to: "c" }] },
      ];
      const engine = makeEngine();
      // Read as each run's end is emitted, which follows the commit that recorded its last node.
      const atFinish: Promise<string[]>[] = [];
      engine.on("run:finish", ({ result }) => atFinish.push(jobsOf(result.runId, queue).then((jobs) => jobs.map((job) => job.state))));
      worker(engine, definitions, complete ? { boss: bossWith({ complete }), queue } : { queue });
      const runIds = await Promise.all(definitions.map((definition) => startRun(definition, { n: 1 }, { boss, engine: makeEngine(), queue })));
      for (const runId of runIds) expect((await settled(makeEngine(), runId)).status).toBe("success");
      await settled(makeEngine(), runIds[1] as string, 5_000, () => atFinish.length === 2);
      const states = await Promise.all(atFinish);
      if (name === "nested") expect(states.sort((a, b) => a.length - b.length)).toEqual([["completed"], ["completed", "completed", "completed"]]);
      // Completed later, in batches; the runs' other jobs wait no longer than the batch does.
      for (const runId of runIds) await settled(makeEngine(), runId, 5_000, async () => (await jobsOf(runId, queue)).every((job) => job.state === "completed"));
    }
  });

  it("a folded settle that fails on a deadlock takes the transaction and keeps folding: later batches still complete their jobs in it", async () => {
    const queue = "fold-deadlock";
    await createNodeQueue(boss, queue);
    const definition = echoWorkflow(queue);
    // The run store's pool, but its first folded settle fails as Postgres fails a statement chosen to end a deadlock.
    const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });
    const { pool: flaky, failed } = failingOnce((text) => text.includes("done AS ("), deadlock);
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool: flaky }) });
    stops.push(() => engine.close());
    const atFinish = new Map<string, Promise<string[]>>();
    engine.on("run:finish", ({ result }) => atFinish.set(result.runId, jobsOf(result.runId, queue).then((jobs) => jobs.map((job) => job.state))));
    const errors: AtomError[] = [];
    worker(engine, [definition], { queue, preparedStatements: false, onError: (error) => errors.push(error) });
    const first = await startRun(definition, { n: 1 }, { boss, engine: makeEngine(), queue });
    expect((await settled(makeEngine(), first)).status).toBe("success");
    const second = await startRun(definition, { n: 2 }, { boss, engine: makeEngine(), queue });
    expect((await settled(makeEngine(), second)).status).toBe("success");
    await settled(makeEngine(), second, 5_000, () => atFinish.has(second));
    expect([failed() >= 2, await atFinish.get(second), errors]).toEqual([true, ["completed"], []]);
  });

  it("a fetch with its runs' read that fails on a lost connection fetches plainly that once, and with the read again after", async () => {
    const queue = "fused-fetch-lost";
    await createNodeQueue(boss, queue);
    const definition = echoWorkflow(queue);
    const { pool: flaky, failed } = failingOnce((text) => text.startsWith("WITH fetched AS"), new Error("Connection terminated unexpectedly"));
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool: flaky }) });
    stops.push(() => engine.close());
    worker(engine, [definition], { queue, preparedStatements: false });
    for (const n of [1, 2]) {
      const runId = await startRun(definition, { n }, { boss, engine: makeEngine(), queue });
      const run = await settled(makeEngine(), runId);
      expect([run.status, run.nodes.a?.output]).toEqual(["success", String(n)]);
    }
    const before = failed();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Idle polls since: still fetched with the runs' read.
    expect(failed()).toBeGreaterThan(before);
  });

  it("fetches whole batches while its queue holds them: nodes that finish together free their slots for one fetch", async () => {
    const queue = "whole-batches";
    await createNodeQueue(boss, queue);
    const definition = echoWorkflow(queue);
    const runIds: string[] = [];
    for (let n = 0; n < 48; n++) runIds.push(await startRun(definition, { n }, { boss, engine: makeEngine(), queue }));
    // Each fetch's batch size, while jobs still wait (the last fetch finds the queue empty).
    const sizes: number[] = [];
    const fetch = async (name: string, options: { batchSize: number; db: BossDb }) => {
      const jobs = await boss.fetch(name, options as never);
      if (jobs && jobs.length > 0) sizes.push(options.batchSize);
      return jobs;
    };
    worker(makeEngine(), [definition], { boss: bossWith({ fetch }), queue, concurrency: 8 });
    for (const runId of runIds) expect((await settled(makeEngine(), runId)).status).toBe("success");
    expect(sizes.length).toBeGreaterThanOrEqual(6);
    expect(sizes.filter((size) => size !== 8)).toEqual([]);
  });

  it("runs its fetch and its settle as prepared statements on the run store's pool unless preparedStatements is false", async () => {
    for (const preparedStatements of [undefined, true, false]) {
      const queue = `prepared-${String(preparedStatements)}`;
      await createNodeQueue(boss, queue);
      // One connection: what the worker prepared is on it.
      const pool = db.newPool({ max: 1 }) as pg.Pool;
      const engine = createWorkflowEngine({ store: postgresRunStore({ pool }) });
      stops.push(() => engine.close());
      const definition = echoWorkflow(queue);
      worker(engine, [definition], preparedStatements === undefined ? { queue } : { queue, preparedStatements });
      const runId = await startRun(definition, { n: 1 }, { boss, engine: makeEngine(), queue });
      expect((await settled(makeEngine(), runId)).status).toBe("success");
      const { rows } = await pool.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements");
      const statements = rows.map((row) => row.statement);
      const prepared = preparedStatements !== false;
      expect([statements.some((text) => text.startsWith("WITH fetched AS")), statements.some((text) => text.startsWith("WITH input AS"))]).toEqual([prepared, prepared]);
    }
  });

  it("with preparedStatements, prepares the fetch of a full batch for its queue's partition and size, so Postgres keeps one plan for it however many queues there are", async () => {
    const queue = "prepared-plan";
    // Queues beside it: each is a partition of pg-boss's job table.
    for (let i = 0; i < 12; i++) await createNodeQueue(boss, `${queue}-other-${i}`);
    await createNodeQueue(boss, queue);
    const pool = db.newPool({ max: 1 }) as pg.Pool;
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool }) });
    stops.push(() => engine.close());
    const definition = { id: queue, version: 1, nodes: [{ id: "a", type: "transform", config: { operation: "format", template: "x" } }], edges: [] };
    worker(engine, [definition], { queue, preparedStatements: true });
    const runId = await startRun(definition, {}, { boss, engine: makeEngine(), queue });
    expect((await settled(makeEngine(), runId)).status).toBe("success");
    // The fetch of a full batch (the idle worker's): a batch of fewer jobs (a slot still busy) is another text.
    const fetchPlans = async () => {
      const { rows } = await pool.query<{ statement: string; generic_plans: string }>(
        "SELECT statement, generic_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH fetched AS%' AND statement !~ 'LIMIT \\$[0-9]'",
      );
      return rows[0];
    };
    // Idle, the worker fetches every 50 ms: past the five custom plans Postgres tries first, it keeps the generic one
    // (with the LIMIT a parameter, Postgres plans a queue that holds jobs anew on every fetch: the generic plan, for
    // an unknown LIMIT, costs more than the custom ones).
    const deadline = Date.now() + 5_000;
    while (Number((await fetchPlans())?.generic_plans ?? 0) < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const plans = await fetchPlans();
    expect(plans?.statement).not.toMatch(/WHERE name = \$1\b/);
    expect(plans?.statement).not.toMatch(/(^|[^\w$])\$\d/);
    expect(Number(plans?.generic_plans)).toBeGreaterThanOrEqual(3);
  });

  it("refuses a preparedStatements that is not a boolean, naming it", () => {
    expect(() => createWorker({ boss, engine: makeEngine(), definitions: [{ id: "w", version: 1, nodes: [], edges: [] }], preparedStatements: "yes" as never })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "preparedStatements" }) }),
    );
  });

  it("creates a missing queue when several processes start on it at once (pg-boss's createQueue can deadlock with itself)", async () => {
    const definition = { id: "created-at-once", version: 1, nodes: [{ id: "a", type: "transform", config: { operation: "format", template: "x" } }], edges: [] };
    for (let round = 0; round < 5; round++) {
      const queue = `created-at-once-${round}`;
      // Distinct boss objects each ensure the queue themselves, as separate processes do.
      const starts = Array.from({ length: 4 }, (_, n) => startRun(definition, { n }, { boss: bossWith({}), engine: makeEngine(), queue }));
      expect(new Set(await Promise.all(starts)).size).toBe(4);
    }
  });

  it("stop() drains: an in-flight node finishes and is recorded, and its job completed, before stop resolves", async () => {
    const definition: WorkflowDefinition = { id: "drain", version: 1, nodes: [{ id: "hold", type: "held", config: { ms: 400 } }], edges: [] };
    const engine = makeEngine();
    const w = worker(engine, [definition]);
    const [started, finished] = [gate.started, gate.finished];
    const runId = await startRun(definition, { x: 1 }, { boss, engine, queue: QUEUE });
    // Its node started (not merely a job of an earlier test's run, which the worker drops, taken).
    await settled(engine, runId, 10_000, () => gate.started > started && w.active > 0);
    await w.stop({ timeoutMs: 10_000 });
    expect(gate.finished).toBe(finished + 1);
    expect((await postgresRunStore({ pool: db.client }).getRun(runId))?.status).toBe("success");
    expect((await jobsOf(runId)).map((job) => job.state)).toEqual(["completed"]);
  });

  it("a recorded node whose job could not be completed does not run again: the job comes back at its lease's end and completes", async () => {
    const queue = "nodes-complete-lost";
    await createNodeQueue(boss, queue, 1);
    const definition: WorkflowDefinition = { id: "complete-lost", version: 1, nodes: [{ id: "hold", type: "held", config: { ms: 1 } }], edges: [] };
    const engines = [makeEngine(), makeEngine()];
    const starts = startsOf(engines);
    const errors: AtomError[] = [];
    // The first worker loses its connection for completions: its jobs stay active once their nodes are recorded.
    const failing = completingWith(() => Promise.reject(new Error("connection lost")));
    const first = worker(engines[0] as WorkflowEngine, [definition], { boss: failing, queue, onError: (error) => errors.push(error) });
    const runId = await startRun(definition, {}, { boss, engine: makeEngine(), queue });
    expect((await settled(makeEngine(), runId)).status).toBe("success");
    await first.stop();
    expect(errors.map((error) => [error.code, error.message])).toContainEqual(["DATABASE_ERROR", "[@atom/workflow-engine] [pg-boss] complete failed"]);
    expect((await jobsOf(runId, queue)).map((job) => job.state)).toEqual(["active"]);
    worker(engines[1] as WorkflowEngine, [definition], { queue });
    await settled(makeEngine(), runId, 15_000, async () => (await jobsOf(runId, queue))[0]?.state === "completed");
    expect((await jobsOf(runId, queue))[0]?.retries).toBeGreaterThan(0);
    expect(starts(runId)).toEqual(["hold"]);
  });

  it("stop() waits for job completions within its timeoutMs only: a completion that hangs leaves the job to its lease", async () => {
    const definition: WorkflowDefinition = { id: "complete-hangs", version: 1, nodes: [{ id: "say", type: "transform", config: { operation: "format", template: "x" } }], edges: [] };
    const hanging = completingWith(() => new Promise(() => undefined));
    const engine = makeEngine();
    const w = worker(engine, [definition], { boss: hanging });
    const runId = await startRun(definition, {}, { boss, engine, queue: QUEUE });
    expect((await settled(engine, runId)).status).toBe("success");
    await w.stop({ timeoutMs: 200 });
    expect((await jobsOf(runId)).map((job) => job.state)).toEqual(["active"]);
  });

  it("a node whose job ran out of pg-boss retries is recorded failed with NODE_LOST, and its run moves on", async () => {
    // No retries and a 1 s lease: a job taken by a worker that is then lost fails for good at its lease's end.
    const queue = "nodes-out-of-retries";
    await boss.createQueue(queue, { name: queue, policy: "stately", retryLimit: 0, expireInSeconds: 1 });
    const say = (id: string) => ({ id, type: "transform", config: { operation: "format", template: id } });
    const plain: WorkflowDefinition = { id: "lost-plain", version: 1, nodes: [say("only")], edges: [] };
    const handled: WorkflowDefinition = { id: "lost-handled", version: 1, nodes: [say("first"), say("fallback")], edges: [{ from: "first", to: "fallback", branch: "error" }] };
    const engine = makeEngine();
    const runIds = [await startRun(plain, {}, { boss, engine, queue }), await startRun(handled, {}, { boss, engine, queue })];
    // A worker that takes both jobs and is lost.
    expect(await boss.fetch(queue, { batchSize: 2 })).toHaveLength(2);
    const finished: string[] = [];
    engine.on("node:finish", ({ runId, nodeId, result }) => runIds.includes(runId) && finished.push(`${nodeId}:${result.status}`));
    worker(engine, [plain, handled], { queue });
    const lost = await settled(engine, runIds[0] as string, 15_000);
    expect(lost.status).toBe("failed");
    expect(lost.nodes.only).toMatchObject({ status: "failed", error: { code: "NODE_LOST", details: { nodeId: "only" } } });
    const recovered = await settled(engine, runIds[1] as string, 15_000);
    expect(recovered.status).toBe("success");
    expect(recovered.nodes.first).toMatchObject({ status: "failed", error: { code: "NODE_LOST" } });
    expect(recovered.nodes.fallback).toMatchObject({ status: "success", output: "fallback" });
    expect(finished.sort()).toEqual(["fallback:success", "first:failed", "only:failed"]);
  }, 30_000);

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

  /** A join of two held inputs, reporting both inputs' statuses. */
  function heldJoin(id: string): WorkflowDefinition {
    const input = (nodeId: string) => ({ id: nodeId, type: "held", config: {} });
    const template = "{{ $node.left.status }}+{{ $node.right.status }}";
    return {
      id,
      version: 1,
      nodes: [input("left"), input("right"), { id: "join", type: "transform", config: { operation: "format", template } }],
      edges: [
        { from: "left", to: "join" },
        { from: "right", to: "join" },
      ],
    };
  }

  /** Two more bosses on the test's schema (stopped after the test), for workers that must not share one. */
  async function twoBosses(): Promise<[PgBoss, PgBoss]> {
    const bosses: [PgBoss, PgBoss] = [await startBoss(schema), await startBoss(schema)];
    for (const b of bosses) stops.push(() => b.stop({ graceful: false, wait: true }));
    return bosses;
  }

  it("a join whose inputs finish on two workers that both read the run before either was recorded runs once, with both", async () => {
    gate.release = [];
    const definition = heldJoin("join-two");
    const bosses = await twoBosses();
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

  it("a batch that a join elsewhere made stale enqueues its other runs' successors only with their predecessors' results", async () => {
    gate.release = [];
    const queue = "stale-batch";
    await createNodeQueue(boss, queue);
    const join = heldJoin("stale-join");
    const chain: WorkflowDefinition = {
      id: "stale-chain",
      version: 1,
      nodes: [
        { id: "b", type: "held", config: {} },
        { id: "c", type: "transform", config: { operation: "format", template: "after {{ $node.b.status }}" } },
      ],
      edges: [{ from: "b", to: "c" }],
    };
    const engine = makeEngine();
    const started = gate.started;
    const [first, second] = await twoBosses();
    // The first worker takes one input of the join; the second the other input and the chain's first node.
    worker(makeEngine(), [join, chain], { boss: first, queue, concurrency: 1 });
    const joinId = await startRun(join, {}, { boss, engine, queue });
    await settled(engine, joinId, 10_000, () => gate.started === started + 1);
    worker(makeEngine(), [join, chain], { boss: second, queue, concurrency: 2 });
    const chainId = await startRun(chain, {}, { boss, engine, queue });
    await settled(engine, chainId, 10_000, () => gate.started === started + 3);
    // The first input is recorded; then the second worker's two nodes finish together, in one batch whose read of
    // the join's run is stale.
    gate.release.shift()?.();
    await settled(engine, joinId, 10_000, (run) => Object.keys(run.nodes).length === 1);
    for (const release of gate.release.splice(0)) release();
    const [joined, chained] = [await settled(engine, joinId), await settled(engine, chainId)];
    expect([joined.status, joined.nodes.join?.output, chained.status, chained.nodes.c?.output]).toEqual(["success", "success+success", "success", "after success"]);
    // The successor's job was written by the transaction that recorded its predecessor, not before it.
    const { rows } = await (db.client as pg.Pool).query(
      `SELECT (SELECT created_on FROM ${schema}.job WHERE name = $1 AND data->>'runId' = $2 AND data->>'nodeId' = 'c') = settled_at AS together
       FROM atom_workflow_node_results WHERE run_id = $2 AND node_id = 'b'`,
      [queue, chainId],
    );
    expect(rows).toEqual([{ together: true }]);
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
  /** The run's node jobs in the queue: singleton key, state, retries. */
  async function jobsOf(runId: string, queue = QUEUE): Promise<{ id: string; key: string; state: string; retries: number }[]> {
    const { rows } = await (db.client as pg.Pool).query(
      `SELECT id, singleton_key AS key, state, retry_count AS retries FROM ${schema}.job WHERE name = $1 AND data->>'runId' = $2 ORDER BY created_on`,
      [queue, runId],
    );
    return rows as { id: string; key: string; state: string; retries: number }[];
  }

  /** Node ids started for `runId`, one entry per execution, on any of the engines. */
  function startsOf(engines: WorkflowEngine[]): (runId: string) => string[] {
    const starts: { runId: string; nodeId: string }[] = [];
    for (const engine of engines) engine.on("node:start", ({ runId, nodeId }) => starts.push({ runId, nodeId }));
    return (runId) => starts.filter((start) => start.runId === runId).map((start) => start.nodeId);
  }

  it("a run resumed while one of its nodes is still active queues its jobs under new keys: no worker stalls, the node is recorded once", async () => {
    gate.release = [];
    // A long expiry: the active job of the first generation stays active until its node is released.
    const queue = "nodes-resume";
    await createNodeQueue(boss, queue, 60);
    const definition: WorkflowDefinition = {
      id: "resume-in-flight",
      version: 1,
      nodes: [
        { id: "hold", type: "held", config: {} },
        { id: "next", type: "transform", config: { operation: "format", template: "next" } },
      ],
      edges: [{ from: "hold", to: "next" }],
    };
    const other: WorkflowDefinition = { id: "unrelated", version: 1, nodes: [{ id: "say", type: "transform", config: { operation: "format", template: "hi" } }], edges: [] };
    const engine = makeEngine();
    const starts = startsOf([engine]);
    // Cancellation is polled rarely: the node in flight is not aborted by the cancel.
    worker(engine, [definition, other], { queue, concurrency: 4, cancelPollMs: 60_000 });
    const started = gate.started;
    const runId = await startRun(definition, {}, { boss, engine, queue });
    await settled(engine, runId, 10_000, () => gate.started > started);
    expect(await cancelRun(runId, { engine, queue })).toBe(true);
    await resumeRun(runId, { boss, engine, queue });
    const jobs = await jobsOf(runId, queue);
    expect(jobs.map((job) => job.state)).toEqual(["active", "created"]);
    expect(new Set(jobs.map((job) => job.key)).size).toBe(2);
    // Every worker on the queue keeps getting jobs while the first generation's job is active.
    const unrelated = await startRun(other, {}, { boss, engine, queue });
    expect((await settled(engine, unrelated, 10_000)).status).toBe("success");
    await settled(engine, runId, 10_000, () => gate.release.length === 2);
    for (const release of gate.release.splice(0)) release();
    const done = await settled(engine, runId);
    expect(done.status).toBe("success");
    expect(done.nodes.next?.output).toBe("next");
    expect(starts(runId).filter((nodeId) => nodeId === "next")).toEqual(["next"]);
  });

  it("runs whose run id and node id join to the same text keep apart jobs: both complete", async () => {
    const suffix = Date.now().toString(36);
    const a: WorkflowDefinition = { id: "colon-a", version: 1, nodes: [{ id: "ship", type: "transform", config: { operation: "format", template: "a" } }], edges: [] };
    const b: WorkflowDefinition = { id: "colon-b", version: 1, nodes: [{ id: "order-9:ship", type: "transform", config: { operation: "format", template: "b" } }], edges: [] };
    const engine = makeEngine();
    const first = await startRun(b, {}, { boss, engine, queue: QUEUE, runId: `t-${suffix}` });
    const second = await startRun(a, {}, { boss, engine, queue: QUEUE, runId: `t-${suffix}:order-9` });
    expect((await jobsOf(first)).length).toBe(1);
    expect((await jobsOf(second)).length).toBe(1);
    worker(engine, [a, b]);
    expect((await settled(engine, first)).nodes["order-9:ship"]?.output).toBe("b");
    expect((await settled(engine, second)).nodes.ship?.output).toBe("a");
  });

  it("a limited node whose job outlived half its lease waiting for a slot is handed back, and runs once", async () => {
    gate.release = [];
    const blocker: WorkflowDefinition = { id: "slot-lease-blocker", version: 1, nodes: [{ id: "block", type: "held", config: {} }], edges: [] };
    const definition: WorkflowDefinition = { id: "slot-lease", version: 1, nodes: [{ id: "hold", type: "held", config: { ms: 50 } }], edges: [] };
    const errors: AtomError[] = [];
    const engines = [makeEngine(), makeEngine()];
    const starts = startsOf(engines);
    const bosses = [await startBoss(schema), await startBoss(schema)] as const;
    for (const b of bosses) stops.push(() => b.stop({ graceful: false, wait: true }));
    // The queue's jobs expire after 3 s: worker A holds the only slot, its second job waits for it.
    worker(engines[0] as WorkflowEngine, [definition, blocker], { boss: bosses[0], concurrency: 2, typeConcurrency: { held: 1 }, onError: (error) => errors.push(error) });
    const started = gate.started;
    const holder = await startRun(blocker, {}, { boss, engine: makeEngine(), queue: QUEUE });
    await settled(makeEngine(), holder, 10_000, () => gate.started > started);
    const waiting = await startRun(definition, {}, { boss, engine: makeEngine(), queue: QUEUE });
    await settled(makeEngine(), waiting, 10_000, async () => (await jobsOf(waiting))[0]?.state === "active");
    // Worker B fetches the job once it went back to the queue (expired, or handed back).
    worker(engines[1] as WorkflowEngine, [definition, blocker], { boss: bosses[1], concurrency: 2, typeConcurrency: { held: 1 }, onError: (error) => errors.push(error) });
    await settled(makeEngine(), waiting, 15_000, async () => {
      const [job] = await jobsOf(waiting);
      return job !== undefined && job.retries > 0 && job.state === "active";
    });
    for (const release of gate.release.splice(0)) release();
    expect((await settled(makeEngine(), holder)).status).toBe("success");
    expect((await settled(makeEngine(), waiting)).status).toBe("success");
    await settled(makeEngine(), waiting, 10_000, async () => (await jobsOf(waiting)).every((job) => job.state === "completed"));
    expect(starts(waiting)).toEqual(["hold"]);
    expect(errors.map((error) => error.code)).toContain("TIMEOUT");
  }, 45_000);

  it("a limited node recorded by a newer generation while its job waited for a slot does not run again", async () => {
    gate.release = [];
    const queue = "nodes-slot-recheck";
    await createNodeQueue(boss, queue, 60);
    const definition: WorkflowDefinition = { id: "slot-recheck", version: 1, nodes: [{ id: "hold", type: "held", config: {} }], edges: [] };
    const blocker: WorkflowDefinition = { id: "slot-blocker", version: 1, nodes: [{ id: "block", type: "held", config: {} }], edges: [] };
    const engines = [makeEngine(), makeEngine()];
    const starts = startsOf(engines);
    // Worker A: the only slot of `held` is taken by the blocker, the run's node waits for it (cancel polled rarely).
    worker(engines[0] as WorkflowEngine, [definition, blocker], { queue, concurrency: 2, typeConcurrency: { held: 1 }, cancelPollMs: 60_000 });
    const started = gate.started;
    const block = await startRun(blocker, {}, { boss, engine: makeEngine(), queue });
    await settled(makeEngine(), block, 10_000, () => gate.started > started);
    const runId = await startRun(definition, {}, { boss, engine: makeEngine(), queue });
    await settled(makeEngine(), runId, 10_000, async () => (await jobsOf(runId, queue))[0]?.state === "active");
    const [first] = await jobsOf(runId, queue);
    // The run is resumed; worker B, without the limit, runs the new generation's job and records the node.
    await cancelRun(runId, { engine: makeEngine(), queue });
    await resumeRun(runId, { boss, engine: makeEngine(), queue });
    worker(engines[1] as WorkflowEngine, [definition], { queue, concurrency: 1 });
    await settled(makeEngine(), runId, 10_000, () => gate.release.length === 2);
    (gate.release.pop() as () => void)();
    expect((await settled(makeEngine(), runId)).status).toBe("success");
    for (const release of gate.release.splice(0)) release();
    expect((await settled(makeEngine(), block)).status).toBe("success");
    await settled(makeEngine(), runId, 10_000, async () => (await jobsOf(runId, queue)).find((job) => job.id === first?.id)?.state === "completed");
    expect(starts(runId)).toEqual(["hold"]);
  });

  it("never runs a node of a run started with another definition under the same id and version, and reports it", async () => {
    const errors: AtomError[] = [];
    const mine: WorkflowDefinition = { id: "drifted", version: 1, nodes: [{ id: "say", type: "transform", config: { operation: "format", template: "worker" } }], edges: [] };
    const callers: WorkflowDefinition = { id: "drifted", version: 1, nodes: [{ id: "say", type: "transform", config: { operation: "format", template: "caller" } }], edges: [] };
    const engine = makeEngine();
    const starts = startsOf([engine]);
    // Jobs other tests left on the queue are reported too: keep this workflow's.
    worker(engine, [mine], { onError: (error) => (error.details as { workflowId?: string }).workflowId === "drifted" && errors.push(error) });
    const runId = await startRun(callers, {}, { boss, engine, queue: QUEUE });
    await settled(engine, runId, 10_000, () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: "WORKFLOW_INVALID", details: { workflowId: "drifted", problems: [{ field: "definitions" }] } });
    expect(errors[0]?.message).toContain("differs from the one the run was started with");
    const run = await settled(engine, runId, 1000, () => true);
    expect(run).toMatchObject({ status: "running", nodes: {} });
    expect(starts(runId)).toEqual([]);
    expect((await jobsOf(runId))[0]?.state).not.toBe("completed");
  });

  it("never runs a node of a run whose stored version is not the number its worker's definition has", async () => {
    const errors: AtomError[] = [];
    const definition: WorkflowDefinition = { id: "retyped", version: 1, nodes: [{ id: "say", type: "transform", config: { operation: "format", template: "x" } }], edges: [] };
    const engine = makeEngine();
    const starts = startsOf([engine]);
    const runId = await startRun(definition, {}, { boss, engine, queue: QUEUE });
    // A row edited by hand: the version is now the text "1", the definition's hash unchanged.
    await (db.client as pg.Pool).query(`UPDATE atom_workflow_runs SET workflow = jsonb_set(workflow::jsonb, '{version}', '"1"')::json WHERE run_id = $1`, [runId]);
    worker(engine, [definition], { onError: (error) => (error.details as { workflowId?: string }).workflowId === "retyped" && errors.push(error) });
    await settled(engine, runId, 10_000, () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: "WORKFLOW_INVALID", details: { workflowId: "retyped", problems: [{ field: "definitions" }] } });
    expect(errors[0]?.message).toContain("has no definition");
    expect(starts(runId)).toEqual([]);
  });

  it("runs a definition written with its keys in another order, and reports a job naming a node the workflow lacks", async () => {
    const errors: AtomError[] = [];
    const definition: WorkflowDefinition = { id: "reordered", version: 1, nodes: [{ id: "say", type: "transform", config: { operation: "format", template: "ok" } }], edges: [] };
    const reordered = { edges: [], nodes: [{ config: { template: "ok", operation: "format" }, type: "transform", id: "say" }], version: 1, id: "reordered" };
    const engine = makeEngine();
    worker(engine, [reordered], { onError: (error) => (error.details as { workflowId?: string }).workflowId === "reordered" && errors.push(error) });
    const runId = await startRun(definition, {}, { boss, engine, queue: QUEUE });
    expect((await settled(engine, runId)).nodes.say?.output).toBe("ok");
    expect(errors).toEqual([]);
    // A run whose own jobs went to a queue no worker takes, and a job on this queue naming a node it does not have.
    const ghost = await startRun(definition, {}, { boss, engine, queue: "nodes-unworked" });
    await boss.insert([{ name: QUEUE, data: { runId: ghost, nodeId: "ghost" } }]);
    await settled(engine, ghost, 10_000, () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: "WORKFLOW_INVALID", details: { workflowId: "reordered", problems: [{ field: "job.data.nodeId" }] } });
    expect((await settled(engine, ghost, 1000, () => true)).nodes).toEqual({});
  });

  it("refuses ids the run store cannot keep and unknown option keys with VALIDATION_ERROR naming the field, writing nothing", async () => {
    const engine = makeEngine();
    const definition: WorkflowDefinition = { id: "strict", version: 1, nodes: [{ id: "say", type: "transform", config: { operation: "format", template: "x" } }], edges: [] };
    const base = { boss, engine, queue: QUEUE };
    const refused = async (promise: Promise<unknown>, field: string) => expect(promise).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field } });
    await refused(startRun(definition, {}, { ...base, runId: "a\u0000b" }), "runId");
    await refused(startRun(definition, {}, { ...base, runId: "r".repeat(201) }), "runId");
    await refused(startRun(definition, {}, { ...base, agentId: "a\u0000b" }), "agentId");
    await refused(startRun(definition, {}, { ...base, agentId: "a".repeat(1_000_000) }), "agentId");
    await refused(startRun(definition, {}, { ...base, runid: "typo" } as never), "runid");
    await refused(resumeRun("a\u0000", base), "runId");
    await refused(resumeRun("r", { ...base, aprovals: { say: "p" } } as never), "aprovals");
    await refused(resumeRun("r", { ...base, approvals: { say: "p\u0000" } }), "approvals.say");
    await refused(cancelRun("a\u0000", { engine }), "runId");
    await refused(cancelRun("r", { engine, boss } as never), "boss");
    expect(() => createWorker({ ...base, definitions: [definition], concurency: 2 } as never)).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "concurency" }) }));
    const w = worker(engine, [definition]);
    expect(() => w.stop({ timeout: 5 } as never)).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "timeout" }) }));
    const { rows } = await (db.client as pg.Pool).query("SELECT count(*)::int AS n FROM atom_workflow_runs WHERE workflow_id = 'strict'");
    expect(rows[0].n).toBe(0);
  });
});
