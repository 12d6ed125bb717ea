// Multi-worker throughput of @atom/workflow-engine/pg-boss beside raw pg-boss no-op jobs, for 1, 2 and 4 worker
// processes. Each case starts its worker processes on an empty queue, as a deployed worker waits for work, and sends
// the workload in bursts: all of it committed in one transaction. The workers first work untimed warm-up bursts of
// the same workload, BENCH_PGBOSS_WARMUP (3) per worker process, so each process gets as much whatever their number
// (a fresh process spends much of its first seconds in V8's optimizing compiler, the engine's larger code more than
// raw pg-boss's loop). Then the tables are analyzed, as autovacuum keeps a deployed queue's (the case's queue
// partition is new: Postgres plans for a never-analyzed table as if it were small, and pg-boss's own complete then
// reads the whole partition; BENCH_PGBOSS_ANALYZE=0 skips it), and the timed burst commits: the clock runs until the
// last run (or job) is done. On a shared machine a case's figure moves with what else runs, so each round runs raw,
// one-node and ten-node back to back (their order rotating) and the table shows medians over the rounds, the ratios
// being medians of each round's own ratio. Beside throughput it reports the CPU time each job or node cost in the
// timed burst (the worker processes' own, plus their Postgres backends' when the server runs on this machine), which
// other work on a shared machine disturbs less, and the workers' part of it on its own. Needs DATABASE_URL (pg-boss
// needs a real server); run by `pnpm bench`. BENCH_PGBOSS_WORKERS (`1,2,4`), BENCH_PGBOSS_ROUNDS (3),
// BENCH_PGBOSS_CASES (`raw,one,ten`) and BENCH_PGBOSS_WARMUP (0 times fresh processes) narrow it;
// BENCH_PGBOSS_PREPARED=0|1 overrides the engine workers' `preparedStatements`.
import { execFileSync, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import PgBoss from "pg-boss";
import { createWorkflowEngine } from "@atom/workflow-engine";
import { postgresRunStore } from "@atom/workflow-engine/postgres";
import { startRun } from "@atom/workflow-engine/pg-boss";
import { median } from "./interleave.mjs";

const url = process.env.DATABASE_URL;
if (!url) {
  console.log("workflow-pgboss bench SKIPPED: pg-boss needs a real PostgreSQL server; set DATABASE_URL");
  process.exit(0);
}
const WORKERS = (process.env.BENCH_PGBOSS_WORKERS ?? "1,2,4").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_PGBOSS_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_PGBOSS_WARMUP ?? 3);
const CASES = (process.env.BENCH_PGBOSS_CASES ?? "raw,one,ten").split(",");
const CONCURRENCY = 8;
const LIMIT_MS = 180_000;
const WORKER = fileURLToPath(new URL("./pgboss-worker.mjs", import.meta.url));
const id = randomBytes(4).toString("hex");
const RUN_SCHEMA = `bench_runs_${id}`;
const BOSS_SCHEMA = `bench_boss_${id}`;
const APP = `atom-bench-${id}`;
const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));

const fmt = (id) => ({ id, type: "transform", config: { operation: "format", template: `${id} {{ $run.input.n }}` } });
const oneNode = { id: "one", version: 1, nodes: [fmt("only")], edges: [] };
const tenNodes = {
  id: "ten",
  version: 1,
  nodes: Array.from({ length: 10 }, (_, i) => fmt(`n${i}`)),
  edges: Array.from({ length: 9 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` })),
};

const admin = new pg.Pool({ connectionString: url, max: 12 });
await admin.query(`CREATE SCHEMA ${RUN_SCHEMA}`);
const pool = new pg.Pool({ connectionString: url, max: 12, options: `-c search_path=${RUN_SCHEMA}` });
const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, max: 12, schedule: false, supervise: false });
boss.on("error", () => undefined);
await boss.start();
const engine = createWorkflowEngine({ store: postgresRunStore({ pool }) });

async function workers(count, env) {
  const children = Array.from({ length: count }, () =>
    fork(WORKER, { env: { ...process.env, RUN_SCHEMA, BOSS_SCHEMA, APP, CONCURRENCY: String(CONCURRENCY), ...env }, stdio: "inherit" }),
  );
  await Promise.all(children.map((child) => ask(child, undefined)));
  return children;
}

/** The child's next message, after sending it `message` (if any). */
function ask(child, message) {
  return new Promise((resolve) => {
    child.once("message", resolve);
    if (message !== undefined) child.send(message);
  });
}

async function until(done) {
  const deadline = Date.now() + LIMIT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("bench case exceeded its time limit");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** CPU ms of the workers' Postgres backends by pid, or `undefined` when the server's processes are not visible here. */
async function backendCpu() {
  const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [APP]);
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
    } catch {
      return undefined;
    }
  }
  return cpu;
}

/** Analyzes pg-boss's job table (each queue partition) and the run store's tables (once they exist). */
async function analyze() {
  await admin.query(`ANALYZE ${BOSS_SCHEMA}.job`);
  const { rows } = await admin.query("SELECT to_regclass($1) IS NOT NULL AS migrated", [`${RUN_SCHEMA}.atom_workflow_runs`]);
  if (rows[0].migrated) await admin.query(`ANALYZE ${RUN_SCHEMA}.atom_workflow_runs, ${RUN_SCHEMA}.atom_workflow_node_results`);
}

/**
 * `fill` in one transaction on its own connection: its jobs become visible at once when `beforeCommit` has run
 * (the workers are already polling). Resolves when the transaction committed; a failed one is rolled back.
 */
async function burst(fill, beforeCommit = async () => undefined) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await fill(client);
    await beforeCommit();
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * One case on `count` worker processes working one queue. They start, and work `WARMUP` untimed bursts of `fill`,
 * each until `done`; then the timed burst is committed the same way and the clock runs until `done` again. Returns the seconds and the CPU ms of the worker processes and their Postgres backends in the timed part.
 */
async function timedCase(count, env, fill, done) {
  const children = await workers(count, env);
  try {
    for (const child of children) child.send("start");
    // Each process gets about as much warm-up whatever their number: a burst is shared by the processes.
    for (let pass = 0; pass < WARMUP * count; pass++) {
      await burst(fill);
      await until(done);
    }
    // The statistics autovacuum keeps for a deployed queue's tables; this case's queue partition is new, and Postgres
    // plans for never-analyzed tables as if they were small (pg-boss's complete then reads the whole partition).
    if (process.env.BENCH_PGBOSS_ANALYZE !== "0") await analyze();
    let before;
    await burst(fill, async () => {
      before = await backendCpu();
      await Promise.all(children.map((child) => ask(child, "go")));
    });
    const started = performance.now();
    await until(done);
    const seconds = (performance.now() - started) / 1000;
    const workerCpuMs = (await Promise.all(children.map((child) => ask(child, "report")))).reduce((sum, { cpuMs }) => sum + cpuMs, 0);
    const after = await backendCpu();
    let backendCpuMs = 0;
    if (before && after) for (const [pid, ms] of after) backendCpuMs += ms - (before.get(pid) ?? 0);
    else backendCpuMs = Number.NaN;
    return { seconds, workerCpuMs, backendCpuMs };
  } finally {
    await Promise.all(children.map((child) => new Promise((resolve) => {
      child.once("exit", resolve);
      child.disconnect();
    })));
  }
}

async function raw(count, jobs, round) {
  const queue = `raw-${count}-${round}`;
  await boss.createQueue(queue, { name: queue });
  // One statement: the jobs become visible at once.
  const fill = (db) => boss.insert(Array.from({ length: jobs }, (_, n) => ({ name: queue, data: { n } })), { db: { executeSql: (text, values) => db.query(text, values) } });
  const { seconds, ...cpu } = await timedCase(count, { MODE: "raw", QUEUE: queue }, fill, async () => (await boss.getQueueSize(queue, { before: "completed" })) === 0);
  return { perSecond: jobs / seconds, ...perItem(cpu, jobs) };
}

async function queued(count, definition, runs, round) {
  const queue = `wf-${count}-${definition.id}-${round}`;
  await boss.createQueue(queue, { name: queue, policy: "stately" });
  const fill = async (db) => {
    for (let n = 0; n < runs; n++) await startRun(definition, { n }, { boss, engine, queue, db });
  };
  const done = async () => {
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM atom_workflow_runs WHERE workflow_id = $1 AND status = 'running'", [definition.id]);
    return rows[0].n === 0;
  };
  const { seconds, ...cpu } = await timedCase(count, { MODE: "engine", QUEUE: queue, DEFINITIONS: JSON.stringify([definition]) }, fill, done);
  await pool.query("DELETE FROM atom_workflow_runs WHERE workflow_id = $1", [definition.id]);
  const nodes = runs * definition.nodes.length;
  return { perSecond: nodes / seconds, ...perItem(cpu, nodes) };
}

/** CPU µs per job or node: in all, and the worker processes' own. */
function perItem({ workerCpuMs, backendCpuMs }, count) {
  return { cpuUs: ((workerCpuMs + backendCpuMs) * 1000) / count, workerUs: (workerCpuMs * 1000) / count };
}

const cases = {
  raw: (count, round) => raw(count, 2000, round),
  one: (count, round) => queued(count, oneNode, 2000, round),
  ten: (count, round) => queued(count, tenNodes, 200, round),
};
const rows = [];
try {
  for (const count of WORKERS) {
    const samples = { raw: [], one: [], ten: [] };
    const cpu = { raw: [], one: [], ten: [] };
    const workerCpu = { raw: [], one: [], ten: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const names = Object.keys(cases).filter((name) => CASES.includes(name));
      for (let k = 0; k < names.length; k++) {
        const name = names[(round + k) % names.length];
        const { perSecond, cpuUs, workerUs } = await cases[name](count, round);
        samples[name].push(perSecond);
        cpu[name].push(cpuUs);
        workerCpu[name].push(workerUs);
      }
      const unit = { raw: "jobs/s", one: "one-node nodes/s", ten: "ten-node nodes/s" };
      const parts = names.map((name) => `${name} ${samples[name][round].toFixed(0)} ${unit[name]} (${cpu[name][round].toFixed(0)} µs CPU each, ${workerCpu[name][round].toFixed(0)} in the workers)`);
      console.log(`workers ${count}, round ${round + 1}: ${parts.join(", ")}`);
    }
    const ratio = (name) => median(samples[name].map((value, round) => value / samples.raw[round])).toFixed(2);
    rows.push({
      workers: count,
      "raw pg-boss jobs/s": Math.round(median(samples.raw)),
      "2,000 one-node: nodes/s": Math.round(median(samples.one)),
      "× raw": ratio("one"),
      "200 ten-node: nodes/s": Math.round(median(samples.ten)),
      "× raw ": ratio("ten"),
      "CPU µs per job / one-node / ten-node": [cpu.raw, cpu.one, cpu.ten].map((values) => Math.round(median(values))).join(" / "),
      "of which workers'": [workerCpu.raw, workerCpu.one, workerCpu.ten].map((values) => Math.round(median(values))).join(" / "),
    });
  }
  console.log(`\n@atom/workflow-engine/pg-boss vs raw pg-boss no-op jobs (concurrency ${CONCURRENCY} per worker process, fetch batches of up to ${CONCURRENCY} for both; ${WARMUP > 0 ? `timed burst after ${WARMUP} untimed warm-up bursts per worker process` : "fresh processes, no warm-up"}${process.env.BENCH_PGBOSS_ANALYZE === "0" ? "" : "; tables analyzed before the timed burst"}; medians of ${ROUNDS} rounds)`);
  console.table(rows);
  // Only when both were measured: with BENCH_PGBOSS_WORKERS=2,4 the first two rows are not 1 and 2.
  const one = rows.find((row) => row.workers === 1);
  const two = rows.find((row) => row.workers === 2);
  if (one && two) console.log(`scaling 1 → 2 processes: raw ${(two["raw pg-boss jobs/s"] / one["raw pg-boss jobs/s"]).toFixed(2)}×, one-node ${(two["2,000 one-node: nodes/s"] / one["2,000 one-node: nodes/s"]).toFixed(2)}×, ten-node ${(two["200 ten-node: nodes/s"] / one["200 ten-node: nodes/s"]).toFixed(2)}×`);
} finally {
  await boss.stop({ graceful: false, wait: true });
  await pool.end();
  await admin.query(`DROP SCHEMA IF EXISTS ${RUN_SCHEMA} CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS ${BOSS_SCHEMA} CASCADE`);
  await admin.end();
}
