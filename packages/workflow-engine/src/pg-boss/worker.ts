import { type AtomError, parseInput, TimeoutError, toAtomError, ValidationError } from "@atom/errors";
import type { PgPoolLike } from "@atom/sql";
import { z } from "zod";
import { CancelScope } from "../cancel-scope.js";
import { RunCancelledError, WorkflowInvalidError } from "../errors.js";
import { sleep, systemClock } from "../timing.js";
import type { RunNodeParams } from "../internals.js";
import type { RunResult } from "../types.js";
import type { CompiledNode, CompiledWorkflow } from "../validate.js";
import { type BossJob, lostQueueName } from "./boss.js";
import { bossDb, databaseError, ensureQueue, queueContext, type QueueContext, queueOptionsShape, type QueueOptions } from "./context.js";
import { definitionHash } from "./definition-hash.js";
import { jobIsLive, malformedJobError, type NodeJobData, readNodeJobData, unknownNodeError } from "./enqueue.js";
import { watchedFetch } from "./fetch.js";
import { recoverLostJobs } from "./lost-jobs.js";
import { Completer } from "./completer.js";
import { Settler } from "./settler.js";
import type { QueuedRun } from "./run-rows.js";
import { type ReleaseSlot, TypeSlots } from "./type-slots.js";

/** Options of {@link createWorker}. */
export interface WorkerOptions extends QueueOptions {
  /**
   * The workflows this worker executes, identified by `id` and `version` (bump the version when a definition
   * changes). A job of a run whose workflow is not among them, or whose run was started with a definition that
   * differs from this worker's under the same id and version (compared by a canonical hash: key order does not
   * matter), is reported to `onError` as `WORKFLOW_INVALID` and fails, to be retried by another worker; none of its
   * nodes runs here.
   */
  definitions: unknown[];
  /**
   * Nodes this worker has started and not yet recorded, at most (so a crash re-runs at most this many). While its
   * nodes' results are being recorded, the worker fetches up to as many next jobs, which start once slots free.
   * @default 8
   */
  concurrency?: number;
  /**
   * Fleet-wide limits per node type, e.g. `{ action: 2 }`: at most that many nodes of the type run at once across
   * every worker on the queue (Postgres advisory locks, one pooled connection per running limited node). pg-boss 10
   * cannot extend a job's expiry, so a node waits for a slot during the first half of its job's `expireInSeconds`
   * at most (the rest is the node's to run); then its job is handed back to the queue (reported as `TIMEOUT`). A node
   * that waited is checked again before it runs: settled meanwhile, or its run stopped, it does not run.
   */
  typeConcurrency?: Record<string, number>;
  /** How long an idle worker waits before polling the queue again, in ms. @default 500 */
  pollIntervalMs?: number;
  /** How often in-flight runs are checked for cancellation, in ms. @default 1000 */
  cancelPollMs?: number;
  /** Called with a job's failure (the job is retried) or a queue error; never with secrets. */
  onError?: (error: AtomError) => void;
  /**
   * Run the worker's most frequent statements (the fetch with its runs' read, and a batch's settle with the
   * successors' insert folded in) as named prepared statements on the run store's pool: Postgres then parses each
   * once per connection and may keep one generic plan for it instead of planning every batch. A connection's plans
   * are made again every 2 s (`@atom/sql`'s `planMaxAgeMs`): Postgres would otherwise keep a plan made while the
   * queue or the run tables were nearly empty until they are next analyzed, and a worker started on an idle queue
   * scanned the whole queue and run table on each batch of the burst that followed. Set it to `false` behind a pooler
   * that does not track prepared statements (PgBouncer in transaction mode before 1.21).
   * @default true
   */
  preparedStatements?: boolean;
}

/** Options of {@link WorkflowWorker.stop}. */
export interface StopOptions {
  /**
   * How long in-flight nodes may take to finish, and the jobs of recorded nodes to be completed; then the nodes are
   * aborted and their jobs retried elsewhere (a job whose node was recorded completes there without running it).
   * @default 30000
   */
  timeoutMs?: number;
}

/** A running worker (see {@link createWorker}). */
export interface WorkflowWorker {
  /** Node jobs this worker has started and not yet recorded. */
  readonly active: number;
  /** Stops fetching, lets in-flight nodes finish (drain) within `timeoutMs`, and resolves once none is left. */
  stop(options?: StopOptions): Promise<void>;
}

// Strict: a misspelt option (`concurency`) would otherwise be dropped and its default used.
const workerOptionsSchema = z
  .object({
    ...queueOptionsShape,
    definitions: z.array(z.unknown()).min(1).max(10_000),
    concurrency: z.number().int().min(1).max(1000).optional(),
    typeConcurrency: z.record(z.string().min(1).max(200), z.number().int().min(1).max(10_000)).optional(),
    pollIntervalMs: z.number().int().min(10).max(60_000).optional(),
    cancelPollMs: z.number().int().min(10).max(60_000).optional(),
    onError: z.custom<(error: AtomError) => void>((value) => typeof value === "function", "must be a function").optional(),
    preparedStatements: z.boolean().optional(),
  })
  .strict();

const stopOptionsSchema = z.object({ timeoutMs: z.number().int().min(0).max(3_600_000).optional() }).strict();

const SHUTDOWN = Symbol("shutdown");

interface InFlight {
  runId: string;
  /** Aborted when the run stops or the worker shuts down; no `AbortSignal` unless a node type's slot wait asks. */
  cancel: CancelScope;
  /** Marks the job's node as no longer running (its result waits to be recorded, or it is done). Idempotent. */
  release: () => void;
}

/** A fetched job whose run was read, waiting for a slot. */
interface Ahead {
  job: BossJob;
  data: NodeJobData;
  run: QueuedRun | undefined;
  entry: InFlight;
  /** Until when (epoch ms) its node may start: half of the job's lease, counted from its fetch. */
  startBy: number;
}

/** What running a job needs from its worker. */
interface JobEnv {
  ctx: QueueContext;
  workflowOf: (run: QueuedRun) => CompiledWorkflow;
  slots: TypeSlots | undefined;
  settler: Settler;
  report: (error: unknown) => void;
}

/**
 * Starts a worker: it takes node jobs from the queue and runs each node with the engine's semantics (templates,
 * retries, timeouts, SSRF policy, governance, idempotency keys), then in one transaction records the result, marks
 * the successors whose inputs all settled and enqueues them; then it completes the job (completions are batched:
 * a job whose worker was lost before that is retried and completes without running its node). Run as many as you like, in any
 * number of processes.
 *
 * @example
 * ```ts
 * const worker = createWorker({ boss, engine, definitions: [orderWorkflow], concurrency: 8 });
 * process.on("SIGTERM", () => worker.stop());
 * ```
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options (an unknown one included); WorkflowInvalidError for a bad definition.
 */
export function createWorker(options: WorkerOptions): WorkflowWorker {
  const opts = parseInput(workerOptionsSchema, options, "[@atom/workflow-engine] [pg-boss] createWorker");
  const ctx = queueContext(opts, "createWorker");
  const known = new Map<string, { workflow: CompiledWorkflow; hash: string }>();
  for (const definition of opts.definitions) {
    const workflow = ctx.internals.compile(definition);
    known.set(workflowKey(workflow.def.id, workflow.def.version), { workflow, hash: definitionHash(workflow.def) });
  }
  const concurrency = opts.concurrency ?? 8;
  const pollMs = opts.pollIntervalMs ?? 500;
  const report = (error: unknown) => {
    try {
      opts.onError?.(toAtomError(databaseError("worker", error)));
    } catch {
      // A faulty observer must not stop the worker.
    }
  };
  if (opts.typeConcurrency && typeof (ctx.tables.db as Partial<PgPoolLike>).connect !== "function") {
    throw new ValidationError({
      field: "typeConcurrency",
      message: "[@atom/workflow-engine] [pg-boss] createWorker: typeConcurrency needs the run store on a pg.Pool (each running limited node holds a connection)",
    });
  }
  const slots = opts.typeConcurrency ? new TypeSlots(ctx.tables.db as PgPoolLike, ctx.queue, opts.typeConcurrency) : undefined;
  // `inflight`: nodes running; `handles`: jobs started and not yet recorded (at most `concurrency`); `ahead`: jobs
  // fetched (and their runs read) while the started ones were being recorded, started as slots free.
  const inflight = new Map<string, InFlight>();
  const handles = new Set<Promise<void>>();
  const ahead: Ahead[] = [];
  let stopping = false;
  let wake: (() => void) | undefined;
  // Slots held by running nodes or by jobs waiting to start are taken; a node whose result is being recorded frees
  // its slot for fetching (not yet for starting). Refill in batches (half the slots, or when idle): one fetch per
  // freed slot would cost a round trip per job.
  const fetchable = (): number => {
    const held = inflight.size + ahead.length;
    const free = concurrency - held;
    return free > 0 && (held === 0 || free >= Math.ceil(concurrency / 2)) ? free : 0;
  };
  // A freed slot wakes the fetch loop only when the loop would fetch: a wake-up that naps again costs a timer.
  const wakeToFetch = () => {
    if (wake && fetchable() > 0) wake();
  };
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  // Fails closed: a run started with another definition under the same id and version runs none of its nodes here.
  const workflowOf = (run: QueuedRun): CompiledWorkflow => {
    const mine = known.get(workflowKey(run.workflow.id, run.workflow.version));
    if (mine?.hash === run.hash) return mine.workflow;
    const message = mine
      ? `this worker's definition of "${run.workflow.id}" version ${run.workflow.version} differs from the one the run was started with (bump the version when a definition changes)`
      : `this worker has no definition of "${run.workflow.id}" version ${run.workflow.version}`;
    throw new WorkflowInvalidError({ workflowId: run.workflow.id, problems: [{ field: "definitions", message }] });
  };

  // Completions wait for each other: up to two rounds of `concurrency` jobs (1,000 at most) in one statement, 50 ms at
  // most. Not more: given a long list of ids, Postgres plans pg-boss's complete as a scan of the queue's whole
  // partition, each of its active jobs compared with every id (128 ids: 25 ms a call, against 1 ms for 64).
  const completer = new Completer(ctx, (error) => report(databaseError("complete", error)), Math.min(1000, 2 * concurrency), 50);
  const prepare = opts.preparedStatements ?? true;
  const settler = new Settler(ctx, completer, prepare);
  const env: JobEnv = { ctx, workflowOf, slots, settler, report };
  const entryOf = (job: BossJob, runId: string): InFlight => ({
    runId,
    cancel: new CancelScope(),
    release: () => {
      if (inflight.delete(job.id)) wakeToFetch();
    },
  });
  /** Starts waiting jobs while slots are free. */
  const pump = () => {
    while (!stopping && ahead.length > 0 && handles.size < concurrency) {
      start(ahead.shift() as Ahead);
    }
  };
  const start = (waiting: Ahead) => {
    const { job, entry } = waiting;
    inflight.set(job.id, entry);
    // A run found stopped while its job waited for a slot: drop the job, its node does not start.
    const handle = (entry.cancel.aborted ? settler.drop(job.id) : runJob(env, waiting))
      .catch(async (error: unknown) => {
        report(error);
        const info = toAtomError(databaseError("worker", error));
        await ctx.boss.fail(ctx.queue, job.id, { code: info.code, message: info.message }).catch(report);
      })
      .finally(() => {
        handles.delete(handle);
        entry.release();
        pump();
        wakeToFetch();
      });
    handles.add(handle);
  };

  const fetcher = watchedFetch(ctx, report, prepare, concurrency);
  const ready = Promise.all([ctx.tables.ready(), ensureQueue(ctx)]).then(
    ([, watchLost]) => watchLost,
    (error: unknown) => {
      report(error);
      return false;
    },
  );
  // Ends the lost-job sweep's wait at once when the worker stops.
  const halt = new AbortController();
  const lostLoop = (async () => {
    if (!(await ready)) return;
    const lostPollMs = Math.max(10 * pollMs, 500);
    while (!stopping) {
      // Cut short when the worker stops (the loop's condition ends it then).
      await sleep(lostPollMs, halt.signal, systemClock).catch(() => undefined);
      // After a full batch, the next one at once.
      for (let more = true; more && !stopping; ) {
        try {
          more = await recoverLostJobs(env, lostQueueName(ctx.queue));
        } catch (error) {
          report(error);
          more = false;
        }
      }
    }
  })();
  const loop = (async () => {
    await ready;
    while (!stopping) {
      const free = fetchable();
      if (free === 0) {
        await nap(pollMs);
        continue;
      }
      const fetched = await fetcher(free);
      const fetchedAt = Date.now();
      if (fetched === undefined) {
        await nap(pollMs);
        continue;
      }
      const { jobs } = fetched;
      if (stopping) {
        // Fetched while stopping: hand them back at once for another worker.
        for (const job of jobs) await ctx.boss.fail(ctx.queue, job.id, { message: "worker stopping" }).catch(report);
        break;
      }
      const valid: { job: BossJob; data: NodeJobData }[] = [];
      for (const job of jobs) {
        const data = readNodeJobData(job.data);
        if (data) valid.push({ job, data });
        else {
          // Not a job this adapter wrote: refuse it for good instead of retrying it forever.
          report(malformedJobError("node job", job.id));
          await ctx.boss.complete(ctx.queue, job.id).catch(report);
        }
      }
      let runs = fetched.runs;
      if (valid.length > 0 && !runs) {
        try {
          runs = await ctx.rows.readMany(ctx.sql, [...new Set(valid.map((v) => v.data.runId))]);
        } catch (error) {
          report(error);
          for (const { job } of valid) await ctx.boss.fail(ctx.queue, job.id, { message: "run store unavailable" }).catch(report);
        }
      }
      if (runs) for (const { job, data } of valid) ahead.push({ job, data, run: runs.get(data.runId), entry: entryOf(job, data.runId), startBy: fetchedAt + leaseMs(job) / 2 });
      pump();
      if (jobs.length === 0) await nap(pollMs);
    }
    // Stopping: the jobs that did not start go back at once, for another worker.
    for (const { job } of ahead.splice(0)) await ctx.boss.fail(ctx.queue, job.id, { message: "worker stopping" }).catch(report);
  })();

  const cancelTimer = setInterval(() => {
    const entries = [...inflight.values(), ...ahead.map((waiting) => waiting.entry)];
    if (entries.length === 0) return;
    const runIds = [...new Set(entries.map((entry) => entry.runId))];
    ctx.rows.stopped(ctx.sql, runIds).then((stopped) => {
      for (const entry of entries) if (stopped.has(entry.runId)) entry.cancel.abort(new RunCancelledError({ reason: "aborted" }));
    }, report);
  }, opts.cancelPollMs ?? 1000);
  cancelTimer.unref();

  let stopped: Promise<void> | undefined;
  return {
    get active() {
      return handles.size;
    },
    stop(stopOptions = {}) {
      const { timeoutMs = 30_000 } = parseInput(stopOptionsSchema, stopOptions, "[@atom/workflow-engine] [pg-boss] stop");
      stopped ??= (async () => {
        stopping = true;
        wake?.();
        halt.abort();
        await Promise.all([loop, lostLoop]);
        const deadline = Date.now() + timeoutMs;
        const timer = setTimeout(() => {
          for (const entry of inflight.values()) entry.cancel.abort(SHUTDOWN);
        }, timeoutMs);
        while (handles.size > 0) await Promise.allSettled([...handles]);
        clearTimeout(timer);
        await completer.flush(Math.max(0, deadline - Date.now()));
        clearInterval(cancelTimer);
      })();
      return stopped;
    },
  };
}

/**
 * Runs one node job to its end: drops it, or has the settler record the node (then the job is completed). A job of
 * an earlier queue generation of its run is dropped (the resumed run queued its own job for the node).
 */
async function runJob(env: JobEnv, { job, data, run, entry, startBy }: Ahead): Promise<void> {
  const { ctx, slots, settler } = env;
  const jobId = job.id;
  // A run that is gone, stopped, moved on to a newer generation, or already has this node: nothing to do (a
  // finished node never runs again).
  if (!jobIsLive(data, run)) return settler.drop(jobId);
  const workflow = env.workflowOf(run);
  const compiled = workflow.byId.get(data.nodeId);
  if (!compiled) {
    // The run's definition (the worker's, hash-checked) has no such node: not a job this adapter wrote.
    env.report(unknownNodeError(workflow, "node job", jobId));
    return settler.drop(jobId);
  }
  const node = data.due === undefined ? compiled : delayRemainder(compiled, Math.max(0, data.due - ctx.internals.services.clock.now()));
  const { cancel } = entry;
  if (Date.now() >= startBy) throw leaseSpent(job, data);
  let slot: { release: ReleaseSlot; waited: boolean } | undefined;
  let result: RunResult;
  try {
    if (slots?.limited(node.def.type)) {
      slot = await slots.acquire(node.def.type, cancel.signal, startBy);
      if (!slot) throw leaseSpent(job, data);
      if (slot.waited) {
        // The run was read before the wait: another generation's job may have recorded the node meanwhile.
        const now = await ctx.rows.nodeState(ctx.sql, data.runId, data.nodeId);
        if (!now || now.status !== "running" || now.settled || (data.generation ?? 0) < now.generation) {
          slot.release();
          slot = undefined;
          return settler.drop(jobId);
        }
      }
    }
    const step: RunNodeParams = { workflow, node, runId: data.runId, input: run.input, settled: run.nodes, cancel };
    if (run.agentId !== undefined) step.agentId = run.agentId;
    if (data.approvals !== undefined) step.approvals = data.approvals;
    result = await ctx.internals.runNode(step);
  } finally {
    slot?.release();
  }
  if (cancel.reason === SHUTDOWN) throw new RunCancelledError({ reason: "aborted" }); // retried by another worker
  if (result.status === "paused") return pause(ctx, jobId, data.runId, workflow, run, result);
  const settled = result.nodes[data.nodeId];
  entry.release();
  if (result.status === "cancelled" || !settled) return settler.drop(jobId);
  return settler.settle({ jobId, runId: data.runId, node: compiled, workflow, run, result: settled });
}

/**
 * The key of a workflow id and version in a worker's definitions: distinct pairs never share one, and a version read
 * back as text (a row written by hand) is not the number it spells.
 */
function workflowKey(id: string, version: number): string {
  return JSON.stringify([id, version]);
}

/** A job's lease (pg-boss expiry) in ms; unbounded when the boss does not report it. */
function leaseMs(job: BossJob): number {
  const seconds = Number(job.expireInSeconds);
  return job.expireInSeconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Number.POSITIVE_INFINITY;
}

/** A job that waited through half its lease before its node could start: it goes back to the queue. */
function leaseSpent(job: BossJob, data: NodeJobData): TimeoutError {
  const timeoutMs = leaseMs(job) / 2;
  return new TimeoutError({
    message: `[@atom/workflow-engine] [pg-boss] node "${data.nodeId}" waited ${timeoutMs} ms (half its job's expireInSeconds) to start: handed back to the queue`,
    timeoutMs,
  });
}

/** A node waiting for approval pauses its run (resume it with `resumeRun` and the approval). */
async function pause(ctx: QueueContext, jobId: string, runId: string, workflow: CompiledWorkflow, run: QueuedRun, step: RunResult): Promise<void> {
  const paused = await ctx.sql.transaction(async (tx) => {
    const current = await ctx.rows.read(tx, runId, true);
    const pausing = current?.status === "running";
    if (pausing) await ctx.rows.setStatus(tx, runId, "paused");
    await ctx.boss.complete(ctx.queue, jobId, null, { db: bossDb(tx) });
    return pausing ? current : undefined;
  });
  if (!paused) return;
  const result: RunResult = { runId, workflowId: workflow.def.id, status: "paused", nodes: paused.nodes, outputs: {}, durationMs: Date.now() - run.createdAt };
  if (step.pendingApproval) result.pendingApproval = step.pendingApproval;
  ctx.internals.emit("run:finish", { result });
}

/** A delay node's job that starts at its end waits only what is left of the delay (usually nothing). */
function delayRemainder(node: CompiledNode, ms: number): CompiledNode {
  const config = { ms };
  return { ...node, def: { ...node.def, config }, parsedConfig: config, hasTemplates: false };
}
