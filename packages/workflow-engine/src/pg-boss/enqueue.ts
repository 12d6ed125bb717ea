import type { SqlExecutor } from "@atom/sql";
import type { NodeResult } from "../types.js";
import type { CompiledNode, CompiledWorkflow } from "../validate.js";
import type { BossInsertJob } from "./boss.js";
import { bossDb, type QueueContext } from "./context.js";
import { schedule } from "./schedule.js";

/** The data of one node job. @internal */
export interface NodeJobData {
  runId: string;
  nodeId: string;
  /** A delay node's end (epoch ms). */
  due?: number;
  /** Approval ids by node id, from `resumeRun`. */
  approvals?: Record<string, string>;
}

/** What one advance of a run did, for the events emitted after commit. @internal */
export interface Advance {
  skipped: { node: CompiledNode; result: NodeResult }[];
  /** Set when the run reached a final status in this transaction. */
  finished?: "success" | "failed";
}

/**
 * Inside `tx` (which holds the run's row lock): schedules `candidates`, records skipped nodes, enqueues one job per
 * ready node into `jobs` (singleton `runId:nodeId`; delay nodes start at their end; the caller inserts them with
 * {@link insertJobs}, once per transaction), and reports `finished: "success"` when
 * every node settled: the run is marked so here unless `markSuccess` is `false` (the caller marks a batch at once).
 * `results` are the run's settled nodes and gain the skipped ones.
 * @internal
 */
export async function advance(
  ctx: QueueContext,
  tx: SqlExecutor,
  run: { runId: string; workflow: CompiledWorkflow; input: unknown; results: Record<string, NodeResult>; approvals?: Record<string, string> },
  candidates: Iterable<CompiledNode>,
  jobs: BossInsertJob[],
  markSuccess = true,
): Promise<Advance> {
  const { ready, skipped } = schedule(run.results, candidates, run.input, ctx.internals.services);
  for (const { node, result } of skipped) await ctx.rows.insertResult(tx, run.runId, node.def.id, result);
  for (const { node, due } of ready) {
    const data: NodeJobData = { runId: run.runId, nodeId: node.def.id };
    if (due !== undefined) data.due = due;
    if (run.approvals !== undefined && Object.hasOwn(run.approvals, node.def.id)) data.approvals = run.approvals;
    const job: BossInsertJob = { name: ctx.queue, data, singletonKey: `${run.runId}:${node.def.id}` };
    if (due !== undefined) job.startAfter = new Date(due).toISOString();
    jobs.push(job);
  }
  if (Object.keys(run.results).length === run.workflow.nodes.length) {
    if (markSuccess) await ctx.rows.setStatus(tx, run.runId, "success");
    return { skipped, finished: "success" };
  }
  return { skipped };
}

/** Inserts the jobs `advance` collected, in one statement inside `tx`. @internal */
export async function insertJobs(ctx: QueueContext, tx: SqlExecutor, jobs: BossInsertJob[]): Promise<void> {
  if (jobs.length > 0) await ctx.boss.insert(jobs, { db: bossDb(tx) });
}
