import { NodeLostError } from "../errors.js";
import { errorInfo } from "../executor.js";
import type { NodeResult } from "../types.js";
import type { CompiledWorkflow } from "../validate.js";
import type { QueueContext } from "./context.js";
import { jobIsLive, malformedJobError, type NodeJobData, readNodeJobData, unknownNodeError } from "./enqueue.js";
import type { QueuedRun } from "./run-rows.js";
import type { Settler } from "./settler.js";

/** What recovering lost node jobs needs from its worker. @internal */
export interface LostJobsEnv {
  ctx: QueueContext;
  settler: Settler;
  /** The worker's definition of a run's workflow; throws `WORKFLOW_INVALID` when it has none that matches. */
  workflowOf: (run: QueuedRun) => CompiledWorkflow;
  report: (error: unknown) => void;
}

/** Dead letters taken per sweep, at most. */
const BATCH = 8;

/**
 * One sweep of the node queue's dead letters (`queue`): each node job that ran out of pg-boss retries has its node
 * recorded `failed` with `NODE_LOST`, so its run moves on as after any node failure (an `error` edge, or the run
 * fails), unless the run stopped, moved to a newer generation or already has the node's result. The dead letter is
 * completed once that is recorded; one whose workflow this worker does not know is handed back for another worker.
 * Resolves `true` when it took a full batch (more may wait).
 * @internal
 */
export async function recoverLostJobs(env: LostJobsEnv, queue: string): Promise<boolean> {
  const { ctx } = env;
  const jobs = (await ctx.boss.fetch(queue, { batchSize: BATCH })) ?? [];
  if (jobs.length === 0) return false;
  const parsed = jobs.map((job) => ({ job, data: readNodeJobData(job.data) }));
  const runIds = [...new Set(parsed.flatMap(({ data }) => (data ? [data.runId] : [])))];
  const runs = runIds.length > 0 ? await ctx.rows.readMany(ctx.sql, runIds) : new Map<string, QueuedRun>();
  await Promise.all(
    parsed.map(async ({ job, data }) => {
      try {
        if (data) await recordLost(env, job.id, data, runs.get(data.runId));
        else env.report(malformedJobError("lost node job", job.id));
        await ctx.boss.complete(queue, job.id);
      } catch (error) {
        env.report(error);
        await ctx.boss.fail(queue, job.id, { message: "not recorded" }).catch(env.report);
      }
    }),
  );
  return jobs.length === BATCH;
}

async function recordLost(env: LostJobsEnv, jobId: string, data: NodeJobData, run: QueuedRun | undefined): Promise<void> {
  if (!jobIsLive(data, run)) return;
  const workflow = env.workflowOf(run);
  const node = workflow.byId.get(data.nodeId);
  if (!node) {
    env.report(unknownNodeError(workflow, "lost node job", jobId));
    return;
  }
  const result: NodeResult = { status: "failed", error: errorInfo(new NodeLostError({ nodeId: data.nodeId })), attempts: 0, finishedAt: new Date().toISOString() };
  await env.settler.settle({ jobId, runId: data.runId, node, workflow, run, result, lost: true });
}
