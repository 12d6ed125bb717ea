import type { NodeResult, RunResult, RunStatus } from "../types.js";
import type { CompiledNode, CompiledWorkflow } from "../validate.js";
import { bossDb, type QueueContext } from "./context.js";
import type { BossInsertJob } from "./boss.js";
import { advance, insertJobs } from "./enqueue.js";
import type { QueuedRun } from "./run-rows.js";

/** A node that ran, to be recorded and its successors enqueued. @internal */
export interface SettleItem {
  jobId: string;
  runId: string;
  node: CompiledNode;
  workflow: CompiledWorkflow;
  /** The run as read before the node ran (input, creation time). */
  run: QueuedRun;
  result: NodeResult;
}

interface Pending {
  item: SettleItem | undefined;
  jobId: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the nodes (and dropped jobs) that finish while a transaction is in flight are settled together in
 * the next one: one locking insert for all results, one read of their runs' nodes, their successors' jobs, one
 * `success` update and one completion of every job. Each caller's promise settles when its transaction commits
 * (or rejects, and its job is retried: results are recorded once, so a retry writes nothing twice).
 * @internal
 */
export class Settler {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly ctx: QueueContext) {}

  /** Records a node's result, enqueues its ready successors and completes its job, in one transaction. */
  settle(item: SettleItem): Promise<void> {
    return this.push(item, item.jobId);
  }

  /** Completes a job that has nothing to record (its run stopped, or the node had settled already). */
  drop(jobId: string): Promise<void> {
    return this.push(undefined, jobId);
  }

  private push(item: SettleItem | undefined, jobId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, jobId, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const emit = await this.commit(batch);
        for (const pending of batch) pending.resolve();
        emit();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.flushing = false;
  }

  /** One transaction for the batch; returns what to emit once it committed. */
  private async commit(batch: Pending[]): Promise<() => void> {
    const { ctx } = this;
    // One item per node: a job re-fetched while its first run was still going writes nothing twice.
    const keys = new Set<string>();
    const items = batch.flatMap((pending) => {
      const key = pending.item ? `${pending.item.runId}:${pending.item.node.def.id}` : "";
      if (!pending.item || keys.has(key)) return [];
      keys.add(key);
      return [pending.item];
    });
    const events: (() => void)[] = [];
    await ctx.sql.transaction(async (tx) => {
      events.length = 0;
      if (items.length > 0) {
        const written = await ctx.rows.lockAndInsert(tx, items.map((item) => ({ runId: item.runId, nodeId: item.node.def.id, result: item.result })));
        const live = items.filter((item) => {
          const row = written.get(`${item.runId}:${item.node.def.id}`);
          return row?.inserted === true && row.status === "running";
        });
        const byRun = new Map<string, SettleItem[]>();
        for (const item of live) byRun.set(item.runId, [...(byRun.get(item.runId) ?? []), item]);
        const nodesByRun = byRun.size > 0 ? await ctx.rows.nodes(tx, [...byRun.keys()]) : new Map<string, Record<string, NodeResult>>();
        const succeeded: string[] = [];
        const jobs: BossInsertJob[] = [];
        for (const [runId, group] of byRun) {
          const first = group[0] as SettleItem;
          const nodes = nodesByRun.get(runId) ?? {};
          const failed = group.find((item) => item.result.status === "failed" && !item.node.handlesErrors);
          let status: RunStatus | undefined;
          if (failed) {
            await ctx.rows.setStatus(tx, runId, "failed", failed.result.error);
            status = "failed";
          } else {
            const outcome = await advance(ctx, tx, { runId, workflow: first.workflow, input: first.run.input, results: nodes }, group.flatMap((item) => item.node.outgoing.map((edge) => edge.to)), jobs, false);
            if (outcome.finished) succeeded.push(runId);
            status = outcome.finished;
            for (const { node, result } of outcome.skipped) {
              events.push(() => ctx.internals.emit("node:finish", { runId, nodeId: node.def.id, type: node.def.type, result }));
            }
          }
          if (status !== undefined) {
            const result = runResult(runId, first.workflow, first.run, nodes, status, failed?.result);
            events.push(() => ctx.internals.emit("run:finish", { result }));
          }
        }
        await insertJobs(ctx, tx, jobs);
        if (succeeded.length > 0) await ctx.rows.succeed(tx, succeeded);
      }
      await ctx.boss.complete(ctx.queue, batch.map((pending) => pending.jobId), null, { db: bossDb(tx) });
    });
    return () => {
      for (const event of events) event();
    };
  }
}

function runResult(runId: string, workflow: CompiledWorkflow, run: QueuedRun, nodes: Record<string, NodeResult>, status: RunStatus, failed: NodeResult | undefined): RunResult {
  const outputs: Record<string, unknown> = {};
  for (const sink of workflow.sinks) {
    const result = nodes[sink.def.id];
    if (result?.status === "success") outputs[sink.def.id] = result.output;
  }
  const result: RunResult = { runId, workflowId: workflow.def.id, status, nodes, outputs, durationMs: Date.now() - run.createdAt };
  if (failed?.error) result.error = failed.error;
  return result;
}
