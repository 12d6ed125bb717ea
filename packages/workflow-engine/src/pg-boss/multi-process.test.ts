import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import type pg from "pg";
import type PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEffectServer } from "../../test/effect-server.js";
import { bossSchema, createNodeQueue, dropSchema, startBoss } from "../../test/pg-boss-setup.js";
import { comparable, mixedInput, mixedWorkflows } from "../../test/pg-boss-workflows.js";
import { createHttpClient } from "../http.js";
import { idempotencyKey } from "../idempotency.js";
import { createWorkflowEngine } from "../index.js";
import { DEFAULT_QUEUE, startRun } from "../pg-boss.js";
import { postgresRunStore } from "../postgres.js";

const real = Boolean(process.env.DATABASE_URL);
if (!real) {
  describe("@atom/workflow-engine/pg-boss worker processes", () => {
    it.skip("SKIPPED: pg-boss needs a real PostgreSQL server; set DATABASE_URL to run this suite", () => undefined);
  });
}

const CHILD = fileURLToPath(new URL("../../test/pg-boss-worker-child.ts", import.meta.url));
const RUNS = 200;
const CONCURRENCY = 4;

interface Worker {
  child: ChildProcess;
  pid: number;
  finished: string[];
  ready: Promise<void>;
}

describe.runIf(real)("@atom/workflow-engine/pg-boss with 3 worker processes", () => {
  let db: TestDatabase;
  let schema: string;
  let boss: PgBoss;
  let server: Awaited<ReturnType<typeof startEffectServer>>;
  let localServer: Awaited<ReturnType<typeof startEffectServer>>;
  const workers: Worker[] = [];

  const spawnWorker = (): Worker => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...process.env, RUN_SCHEMA: db.schema, BOSS_SCHEMA: schema, HTTP_BASE: server.url, CONCURRENCY: String(CONCURRENCY) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const worker: Worker = { child, pid: child.pid ?? 0, finished: [], ready: Promise.resolve() };
    let buffered = "";
    worker.ready = new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
      child.stdout?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) {
          const event = JSON.parse(line) as { ready?: number; runId?: string; nodeId?: string };
          if (event.ready) resolve();
          else worker.finished.push(`${event.runId}:${event.nodeId}`);
        }
      });
    });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    schema = bossSchema();
    boss = await startBoss(schema);
    await createNodeQueue(boss, DEFAULT_QUEUE, 3);
    server = await startEffectServer();
    localServer = await startEffectServer();
  });
  afterAll(async () => {
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await boss.stop({ graceful: false, wait: true });
    await server.close();
    await localServer.close();
    await dropSchema(schema);
    await db.close();
  });

  it(
    "runs 200 mixed workflows to completion though one worker is SIGKILLed mid-run: side effects once per key, results as in-process",
    async () => {
      const pool = db.client as pg.Pool;
      const engine = createWorkflowEngine({ store: postgresRunStore({ pool }) });
      const definitions = mixedWorkflows(server.url);
      const started = [spawnWorker(), spawnWorker(), spawnWorker()];
      await Promise.all(started.map((worker) => worker.ready));
      const runIds = await Promise.all(
        Array.from({ length: RUNS }, (_, i) => startRun(definitions[i % definitions.length], mixedInput(i), { boss, engine })),
      );

      // Kill a worker while it holds nodes: the first one to finish some, long before the fleet is done (a fixed
      // victim could be starved by the others' prefetching, and the fleet finish before it is killed).
      const deadline = Date.now() + 60_000;
      let victim: Worker | undefined;
      while (!(victim = started.find((worker) => worker.finished.length >= 10)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (!victim) throw new Error("no worker finished 10 nodes within 60 s");
      victim.child.kill("SIGKILL");
      const survivors = started.filter((worker) => worker !== victim);
      const count = async () =>
        (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM atom_workflow_runs WHERE status <> 'running'")).rows[0]?.n ?? 0;
      expect(await count()).toBeLessThan(RUNS);
      while ((await count()) < RUNS && Date.now() < deadline + 30_000) await new Promise((resolve) => setTimeout(resolve, 100));

      const store = postgresRunStore({ pool });
      const local = createWorkflowEngine({ http: createHttpClient({ allowHosts: ["127.0.0.1"] }) });
      const localDefinitions = mixedWorkflows(localServer.url);
      const expectedKeys = new Set<string>();
      for (const [i, runId] of runIds.entries()) {
        const run = await store.getRun(runId);
        const queued = comparable({ status: run?.status ?? "running", nodes: run?.nodes ?? {} });
        const inProcess = await local.run(localDefinitions[i % localDefinitions.length], mixedInput(i));
        expect(queued, `run ${i} (${definitions[i % definitions.length]?.id})`).toEqual(comparable(inProcess));
        for (const node of definitions[i % definitions.length]?.nodes ?? []) {
          if (node.type === "http_request" && String(node.config.url).endsWith("/effect") && run?.nodes[node.id]?.status === "success") expectedKeys.add(idempotencyKey(runId, node.id));
        }
      }
      await local.close();

      // Every side effect happened, under its run+node key, and nothing else did.
      expect(new Set(server.deliveries.keys())).toEqual(expectedKeys);
      // Re-deliveries (same key) only for nodes the killed worker had in flight.
      const redelivered = [...server.deliveries.values()].filter((n) => n > 1).length;
      expect(redelivered).toBeLessThanOrEqual(CONCURRENCY);
      // A node that finished (its result recorded) never ran again: repeats come only from the killed worker.
      const seen = new Map<string, number>();
      for (const worker of workers) for (const key of worker.finished) seen.set(key, (seen.get(key) ?? 0) + 1);
      const repeated = [...seen].filter(([, n]) => n > 1).map(([key]) => key);
      expect(repeated.length).toBeLessThanOrEqual(CONCURRENCY);
      for (const key of repeated) expect(victim.finished).toContain(key);
      // The killed worker's jobs came back through their expiry (the lease) and ran elsewhere.
      const retried = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.job WHERE retry_count > 0`);
      expect(retried.rows[0]?.n).toBeGreaterThan(0);

      for (const worker of survivors) worker.child.kill("SIGTERM");
      await Promise.all(survivors.map((worker) => new Promise((resolve) => (worker.child.exitCode !== null ? resolve(undefined) : worker.child.once("exit", resolve)))));
      expect(survivors.map((worker) => worker.child.exitCode)).toEqual([0, 0]);
    },
    110_000,
  );
});
