import type { SqlExecutor } from "@atom/sql";
import { z } from "zod";
import { storedIdSchema } from "../definition.js";
import { WorkflowInvalidError } from "../errors.js";
import type { NodeResult } from "../types.js";
import type { CompiledNode, CompiledWorkflow } from "../validate.js";
import type { BossInsertJob, CapturedInsert } from "./boss.js";
import { approvalsSchema, bossDb, type QueueContext } from "./context.js";
import { jobKey } from "./job-key.js";
import type { QueuedRun } from "./run-rows.js";
import { capturingDb } from "./capture.js";
import { schedule } from "./schedule.js";
import { inlineParameters } from "./sql-literals.js";

/** The data of one node job. @internal */
export interface NodeJobData {
  runId: string;
  nodeId: string;
  /** The run's queue generation when the job was queued (absent in jobs queued before generations: 0). */
  generation?: number;
  /** A delay node's end (epoch ms). */
  due?: number;
  /** Approval ids by node id, from `resumeRun`. */
  approvals?: Record<string, string>;
}

/** {@link NodeJobData} as a worker checks it: a job that does not match was not written by this adapter. @internal */
export const nodeJobDataSchema = z
  .object({
    runId: storedIdSchema,
    nodeId: storedIdSchema,
    generation: z.number().int().nonnegative().optional(),
    due: z.number().int().nonnegative().optional(),
    approvals: approvalsSchema.optional(),
  })
  .strict();

const JOB_KEYS = new Set(["runId", "nodeId", "generation", "due", "approvals"]);

/** A stored id as {@link storedIdSchema} accepts it. */
function isStoredId(value: unknown): value is string {
  return typeof value === "string" && value.length >= 1 && value.length <= 200 && !value.includes("\u0000");
}

/** A non-negative integer {@link nodeJobDataSchema} accepts, or absent. */
function isCount(value: unknown): boolean {
  return value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
}

/**
 * A node job's data checked against {@link nodeJobDataSchema}, or `undefined` when it does not match. The common
 * shape (ids and counts, no approvals) is checked by hand, since the schema's parse cost a worker about 9 µs per
 * job; anything else is left to the schema, so this accepts exactly what the schema accepts.
 * @internal
 */
export function readNodeJobData(data: unknown): NodeJobData | undefined {
  if (typeof data === "object" && data !== null && Object.getPrototypeOf(data) === Object.prototype) {
    const job = data as Record<string, unknown>;
    let plain = isStoredId(job.runId) && isStoredId(job.nodeId) && isCount(job.generation) && isCount(job.due) && job.approvals === undefined;
    if (plain) for (const key of Object.keys(job)) if (!JOB_KEYS.has(key) || job[key] === undefined) plain = false;
    if (plain) return job as unknown as NodeJobData;
  }
  const parsed = nodeJobDataSchema.safeParse(data);
  return parsed.success ? (parsed.data as NodeJobData) : undefined;
}

/**
 * True when a node job has something left to do: its run exists, is `running` in the job's generation, and has no
 * result for the node yet (a finished node never runs again).
 * @internal
 */
export function jobIsLive(data: NodeJobData, run: QueuedRun | undefined): run is QueuedRun {
  return run !== undefined && run.status === "running" && (data.generation ?? 0) >= run.generation && !Object.hasOwn(run.nodes, data.nodeId);
}

/** The report of a job (`what`: "node job", "lost node job") whose data this adapter did not write. @internal */
export function malformedJobError(what: string, jobId: string): InstanceType<typeof WorkflowInvalidError> {
  return new WorkflowInvalidError({ problems: [{ field: "job.data", message: `malformed ${what} ${jobId}` }] });
}

/** The report of a job (`what`: "node job", "lost node job") naming a node its run's workflow does not have. @internal */
export function unknownNodeError(workflow: CompiledWorkflow, what: string, jobId: string): InstanceType<typeof WorkflowInvalidError> {
  return new WorkflowInvalidError({ workflowId: workflow.def.id, problems: [{ field: "job.data.nodeId", message: `${what} ${jobId} names a node the workflow does not have` }] });
}

/** What one advance of a run did, for the events emitted after commit. @internal */
export interface Advance {
  skipped: { node: CompiledNode; result: NodeResult }[];
  /** Set when the run reached a final status in this transaction. */
  finished?: "success" | "failed";
}

/** The run an advance works on. @internal */
export interface AdvanceRun {
  runId: string;
  workflow: CompiledWorkflow;
  /** The run's queue generation, read under the run's lock or with the `nodes_version` the plan is checked against. */
  generation: number;
  input: unknown;
  /** The run's settled nodes; gains the skipped ones. */
  results: Record<string, NodeResult>;
  approvals?: Record<string, string>;
}

/**
 * Without touching the database: schedules `candidates` given the run's settled nodes, adds the skipped ones to
 * `run.results`, pushes one job per ready node into `jobs` (singleton key {@link jobKey}; delay nodes start at
 * their end) and reports `finished: "success"` when every node settled.
 * @internal
 */
export function planAdvance(ctx: QueueContext, run: AdvanceRun, candidates: Iterable<CompiledNode>, jobs: BossInsertJob[]): Advance {
  const { ready, skipped } = schedule(run.results, candidates, run.input, ctx.internals.services);
  for (const { node, due } of ready) {
    const data: NodeJobData = { runId: run.runId, nodeId: node.def.id, generation: run.generation };
    if (due !== undefined) data.due = due;
    if (run.approvals !== undefined && Object.hasOwn(run.approvals, node.def.id)) data.approvals = run.approvals;
    const job: BossInsertJob = { name: ctx.queue, data, singletonKey: jobKey(run.runId, node.def.id, run.generation) };
    if (due !== undefined) job.startAfter = new Date(due).toISOString();
    jobs.push(job);
  }
  return Object.keys(run.results).length === run.workflow.nodes.length ? { skipped, finished: "success" } : { skipped };
}

/**
 * {@link planAdvance} inside `tx` (which holds the run's row lock and has bumped its `nodes_version`): also records
 * the skipped nodes and marks the run `success` when every node settled, unless `markSuccess` is `false` (the
 * caller marks a batch at once). The caller inserts `jobs` with {@link insertJobs}, once per transaction.
 * @internal
 */
export async function advance(ctx: QueueContext, tx: SqlExecutor, run: AdvanceRun, candidates: Iterable<CompiledNode>, jobs: BossInsertJob[], markSuccess = true): Promise<Advance> {
  const outcome = planAdvance(ctx, run, candidates, jobs);
  for (const { node, result } of outcome.skipped) await ctx.rows.insertResult(tx, run.runId, node.def.id, result);
  if (outcome.finished && markSuccess) await ctx.rows.setStatus(tx, run.runId, "success");
  return outcome;
}

/** Inserts the jobs `advance` collected, in one statement inside `tx`. @internal */
export async function insertJobs(ctx: QueueContext, tx: SqlExecutor, jobs: BossInsertJob[]): Promise<void> {
  if (jobs.length > 0) await ctx.boss.insert(jobs, { db: bossDb(tx) });
}

/**
 * pg-boss's insert of `jobs` (non-empty), captured without running it; `undefined` when it is not one statement
 * with the jobs as one of its values (a pg-boss whose insert this adapter cannot fold into its own statements).
 * @internal
 */
export async function captureInsert(ctx: QueueContext, jobs: BossInsertJob[]): Promise<CapturedInsert | undefined> {
  const { db, statements } = capturingDb([]);
  await ctx.boss.insert(jobs, { db });
  const [statement] = statements;
  const written = JSON.stringify(jobs);
  return statements.length === 1 && statement?.values.includes(written) ? { ...statement, jobs: written } : undefined;
}

/**
 * pg-boss's insert of `jobs` as one parameterless statement, to send with the `COMMIT` of `tx` (a round trip
 * saved); `undefined` when there is nothing to send: no jobs, or pg-boss's insert cannot be written so, and it then
 * ran on `tx` as {@link insertJobs} does.
 * @internal
 */
export async function insertAtCommit(ctx: QueueContext, tx: SqlExecutor, jobs: BossInsertJob[]): Promise<string | undefined> {
  if (jobs.length === 0) return undefined;
  const captured = await captureInsert(ctx, jobs);
  const statement = captured && inlineParameters(captured.text, captured.values);
  if (statement !== undefined) return statement;
  await insertJobs(ctx, tx, jobs);
  return undefined;
}
