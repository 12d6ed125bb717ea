import { randomUUID } from "node:crypto";
import { parseInput } from "@atom/errors";
import { createSqlExecutor, type SqlDatabase } from "@atom/sql";
import { z } from "zod";
import { storedIdSchema } from "../definition.js";
import { errorInfo } from "../executor.js";
import { RunCancelledError, RunExistsError, RunNotFoundError, RunNotResumableError, WorkflowInvalidError } from "../errors.js";
import { jsonShapeProblem } from "../json-limits.js";
import { settledFailure } from "../settled-failure.js";
import { approvalsSchema, ensureQueue, guarded, queueContext, queueOptionsShape, type QueueOptions } from "./context.js";
import type { BossInsertJob } from "./boss.js";
import { definitionHash } from "./definition-hash.js";
import { advance, insertJobs } from "./enqueue.js";

/** Options of {@link startRun}. */
export interface StartRunOptions extends QueueOptions {
  /** Run id (makes `startRun` idempotent on your side: a second start is `WORKFLOW_RUN_EXISTS`). @default a UUID */
  runId?: string;
  /** The agent the run acts for; governance checks actions against it. */
  agentId?: string;
  /**
   * A `pg` client inside your open transaction: the run row and its first jobs are written there, so they commit
   * (or roll back) with your own writes, e.g. "create order + start workflow". @default the store's pool
   */
  db?: SqlDatabase;
}

// Strict: a misspelt option (`runid`) would otherwise be dropped and the run get a random id.
const startOptionsSchema = z
  .object({
    ...queueOptionsShape,
    runId: storedIdSchema.optional(),
    agentId: storedIdSchema.optional(),
    db: z.custom<SqlDatabase>((value) => typeof (value as { query?: unknown } | null)?.query === "function", "must be a pg client, pool or PGlite").optional(),
  })
  .strict();

/**
 * Records a run and enqueues its start nodes as pg-boss jobs, then returns its id at once: workers in any process
 * execute it (see `createWorker`). Query it with the engine store's `getRun(runId)`.
 *
 * @example
 * ```ts
 * const runId = await startRun(workflow, { orderId: 42 }, { boss, engine, db: client }); // inside your transaction
 * ```
 * @throws WorkflowInvalidError (`WORKFLOW_INVALID`, 400) for a bad definition or input; nothing is written.
 * @throws RunExistsError (`WORKFLOW_RUN_EXISTS`, 409) when `runId` is taken; nothing is written.
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options (`field` names the option), an unknown option
 * included; `runId` and `agentId` follow the engine's rule for stored ids (1–200 characters, no NUL).
 */
export async function startRun(definition: unknown, input: unknown, options: StartRunOptions): Promise<string> {
  const opts = parseInput(startOptionsSchema, options, "[@atom/workflow-engine] [pg-boss] startRun");
  const ctx = queueContext(opts, "startRun");
  const workflow = ctx.internals.compile(definition);
  const deep = jsonShapeProblem(input);
  if (deep) {
    throw new WorkflowInvalidError({ workflowId: workflow.def.id, problems: [{ field: ["input", ...deep.path].join("."), message: deep.message }] });
  }
  const runId = opts.runId ?? randomUUID();
  const sql = opts.db === undefined ? ctx.sql : createSqlExecutor(opts.db);
  const run = { runId, workflow: workflow.def, hash: definitionHash(workflow.def), input, owner: ctx.owner, ...(opts.agentId === undefined ? {} : { agentId: opts.agentId }) };
  await guarded("startRun", async () => {
    await Promise.all([ctx.tables.ready(), ensureQueue(ctx)]);
    await sql.transaction(async (tx) => {
      if (!(await ctx.rows.insertRun(tx, run))) throw new RunExistsError({ runId });
      const jobs: BossInsertJob[] = [];
      await advance(ctx, tx, { runId, workflow, generation: 0, input, results: {} }, workflow.nodes, jobs);
      await insertJobs(ctx, tx, jobs);
    });
  });
  return runId;
}

// The run id argument, parsed as an object so a refusal names the field `runId`.
const runIdArgument = z.object({ runId: storedIdSchema });

/** Options of {@link resumeRun}. */
export interface ResumeRunOptions extends QueueOptions {
  /** Approval ids by node id, as for the engine's `resume` (a run paused on `pendingApproval`). */
  approvals?: Record<string, string>;
}

const resumeOptionsSchema = z.object({ ...queueOptionsShape, approvals: approvalsSchema.optional() }).strict();

/**
 * Continues a `cancelled` or `paused` queued run: enqueues every node that can run now; settled nodes never run again.
 * The run enters a new queue generation: its new jobs never collide with a job of the previous one that is still
 * `active` (a node in flight when the run stopped), which finds the run moved on and records nothing twice.
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options (an unknown one included) or run id.
 * @throws RunNotFoundError (`WORKFLOW_RUN_NOT_FOUND`, 404) for an unknown id.
 * @throws RunNotResumableError (`WORKFLOW_RUN_NOT_RESUMABLE`, 409) when it is running, succeeded or failed.
 */
export async function resumeRun(runId: string, options: ResumeRunOptions): Promise<void> {
  const opts = parseInput(resumeOptionsSchema, options, "[@atom/workflow-engine] [pg-boss] resumeRun");
  parseInput(runIdArgument, { runId }, "[@atom/workflow-engine] [pg-boss] resumeRun");
  const ctx = queueContext(opts, "resumeRun");
  await guarded("resumeRun", async () => {
    await Promise.all([ctx.tables.ready(), ensureQueue(ctx)]);
    await ctx.sql.transaction(async (tx) => {
      const run = await ctx.rows.read(tx, runId, true);
      if (!run) throw new RunNotFoundError({ runId });
      if (run.status !== "cancelled" && run.status !== "paused") throw new RunNotResumableError({ runId, status: run.status });
      const workflow = ctx.internals.compile(run.workflow);
      // A node that failed without an `error` edge while the run was paused or cancelled fails it, as in-process.
      const failure = settledFailure(workflow, run.nodes);
      if (failure) {
        await ctx.rows.setStatus(tx, runId, "failed", failure.error);
        return;
      }
      const generation = await ctx.rows.restart(tx, runId, ctx.owner);
      const jobs: BossInsertJob[] = [];
      await advance(ctx, tx, { runId, workflow, generation, input: run.input, results: run.nodes, ...(opts.approvals ? { approvals: opts.approvals } : {}) }, workflow.nodes, jobs);
      await insertJobs(ctx, tx, jobs);
    });
  });
}

/** Options of {@link cancelRun}. */
export type CancelRunOptions = Pick<QueueOptions, "engine" | "queue">;

const cancelOptionsSchema = z.object({ engine: queueOptionsShape.engine, queue: queueOptionsShape.queue }).strict();

/**
 * Cancels a running queued run: no node of it starts any more, and workers abort its in-flight nodes within their
 * `cancelPollMs`. Resolves `false` when the run was not running (nothing changes).
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options (an unknown one included) or run id.
 * @throws RunNotFoundError (`WORKFLOW_RUN_NOT_FOUND`, 404) for an unknown id.
 */
export async function cancelRun(runId: string, options: CancelRunOptions): Promise<boolean> {
  const opts = parseInput(cancelOptionsSchema, options, "[@atom/workflow-engine] [pg-boss] cancelRun");
  parseInput(runIdArgument, { runId }, "[@atom/workflow-engine] [pg-boss] cancelRun");
  const ctx = queueContext({ ...opts, boss: undefined as never }, "cancelRun");
  const error = errorInfo(new RunCancelledError({ reason: "aborted" }));
  return guarded("cancelRun", async () => {
    await ctx.tables.ready();
    const { rows } = await ctx.sql.query(
      `UPDATE ${ctx.tables.runs} SET status = 'cancelled', error = $2::json, updated_at = now() WHERE run_id = $1 AND status = 'running' RETURNING run_id`,
      [runId, JSON.stringify(error)],
    );
    if (rows.length > 0) return true;
    const found = await ctx.sql.query(`SELECT 1 FROM ${ctx.tables.runs} WHERE run_id = $1`, [runId]);
    if (found.rows.length === 0) throw new RunNotFoundError({ runId });
    return false;
  });
}
