import { isRetryableSqlError, pipelinedTransaction, type SqlExecutor } from "@atom/sql";
import type { NodeResult, RunResult, RunStatus } from "../types.js";
import type { CompiledNode, CompiledWorkflow } from "../validate.js";
import type { QueueContext } from "./context.js";
import type { BossInsertJob } from "./boss.js";
import { captureComplete, type Completer } from "./completer.js";
import { type Advance, advance, captureInsert, insertAtCommit, planAdvance } from "./enqueue.js";
import { nodeKey } from "./job-key.js";
import { inlineParameters } from "./sql-literals.js";
import { isStatementError } from "./statement-error.js";
import type { NodeRecord, QueuedRun, RunPlan, SettleStatement } from "./run-rows.js";
/** A node that ran, to be recorded and its successors enqueued. @internal */
export interface SettleItem {
  jobId: string;
  runId: string;
  node: CompiledNode;
  workflow: CompiledWorkflow;
  /** The run as read before the node ran (input, creation time). */
  run: QueuedRun;
  result: NodeResult;
  /**
   * A node whose job ran out of retries: its job is a dead letter the caller completes, and the node's
   * `node:finish` is emitted with the batch (no attempt of it emitted one).
   */
  lost?: true;
}

interface Pending {
  item: SettleItem;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** What a batch's worker planned for one run, before its transaction. */
interface Planned {
  plan: RunPlan;
  group: SettleItem[];
  /** The newest read of the run among the group's. */
  run: QueuedRun;
  /** The run's nodes if the plan applies. */
  nodes: Record<string, NodeResult>;
  jobs: BossInsertJob[];
  outcome: Advance;
  failed?: NodeResult | undefined;
}

/** A run whose nodes changed since its plan was made, with the nodes this transaction recorded and its generation. */
interface Stale {
  planned: Planned;
  live: SettleItem[];
  /** The run's queue generation under the lock: its successors' jobs are keyed with it. */
  generation: number;
}

/**
 * Group commit: the nodes that finish while a batch is being recorded are settled together in the next one. Before
 * it, each run's successors, skips and final status are planned from the run's nodes as the worker read them. A
 * batch is then one statement that records the results and the plans and inserts the successors' jobs (pg-boss's
 * insert folded in), or writes nothing at all when another worker recorded a node of one of its runs since (its
 * `nodes_version` changed); the batch then takes the transaction. The transaction's first statement (sent with its
 * `BEGIN`) records the results and, for each run whose `nodes_version` is unchanged, the plan; pg-boss's insert of
 * the successors' jobs travels with its `COMMIT`, its values inlined. A run whose nodes changed meanwhile (fan-in
 * across workers) is read again under its lock and advanced from what it holds. Each caller's promise settles when
 * its batch committed (or rejects, and its job is retried: results are recorded once, so a retry writes nothing
 * twice). A batch recorded by its one statement completes its jobs in it (pg-boss's complete folded in too); the
 * jobs of a batch that took the transaction are completed by the {@link Completer}.
 * @internal
 */
export class Settler {
  private queue: Pending[] = [];
  private flushing = false;
  /** Whether pg-boss's insert is folded into the batch's one statement (until such a statement fails). */
  private fold = true;

  constructor(
    private readonly ctx: QueueContext,
    private readonly completer: Completer,
    /** Whether a statement sent alone runs prepared (`@atom/sql` `prepare`). */
    private readonly prepare: boolean,
  ) {}

  /** Completes a job that has nothing to record (its run stopped, or the node had settled already). */
  drop(jobId: string): Promise<void> {
    this.completer.add([jobId]);
    return Promise.resolve();
  }

  /** Records a node's result and enqueues its ready successors, in one transaction; then completes its job. */
  settle(item: SettleItem): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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
        const jobIds = batch.flatMap(({ item }) => (item.lost ? [] : [item.jobId]));
        const { emit, completed } = await this.commit(batch, jobIds);
        if (!completed) this.completer.add(jobIds);
        for (const pending of batch) pending.resolve();
        emit();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.flushing = false;
  }

  /**
   * Records the batch; returns what to emit once it committed, and whether `jobIds` (its jobs to complete) were
   * completed with it.
   */
  private async commit(batch: Pending[], jobIds: string[]): Promise<{ emit: () => void; completed: boolean }> {
    const { ctx } = this;
    // One item per node: a job re-fetched while its first run was still going writes nothing twice.
    const keys = new Set<string>();
    const groups = new Map<string, SettleItem[]>();
    const items = batch.flatMap(({ item }) => {
      const key = nodeKey(item.runId, item.node.def.id);
      if (keys.has(key)) return [];
      keys.add(key);
      groups.set(item.runId, [...(groups.get(item.runId) ?? []), item]);
      return [item];
    });
    const planned = [...groups.values()].map((group) => this.plan(group));
    const results = items.map((item) => ({ runId: item.runId, nodeId: item.node.def.id, result: item.result }));
    const lost = items.filter((item) => item.lost);
    const events: (() => void)[] = [];
    const emit = () => {
      for (const item of lost) ctx.internals.emit("node:finish", { runId: item.runId, nodeId: item.node.def.id, type: item.node.def.type, result: item.result });
      for (const event of events) event();
    };
    const alone = await this.settleAlone(results, planned, events, jobIds);
    if (alone === "recorded" || alone === "completed") return { emit, completed: alone === "completed" };
    const settle = ctx.rows.settleStatement(results, planned.map((p) => p.plan));
    // Its values are text: they can always be inlined.
    const statement = inlineParameters(settle.text, settle.values) as string;
    // The successors' jobs: inserted by a statement sent with the COMMIT.
    let insert: string | undefined;
    await pipelinedTransaction(
      ctx.tables.db,
      statement,
      async (rows, tx) => {
        events.length = 0;
        const settled = ctx.rows.settled(rows);
        const jobs: BossInsertJob[] = [];
        const stale: Stale[] = [];
        for (const p of planned) {
          const run = settled.get(p.plan.runId);
          if (run?.status !== "running") continue;
          if (run.applied) {
            jobs.push(...p.jobs);
            this.report(events, p, p.nodes, p.outcome, p.failed);
            continue;
          }
          const live = p.group.filter((item) => run.inserted.has(item.node.def.id));
          if (live.length > 0) stale.push({ planned: p, live, generation: run.generation });
        }
        if (stale.length > 0) await this.advanceStale(tx, stale, jobs, events);
        insert = await insertAtCommit(ctx, tx, jobs);
      },
      () => (insert === undefined ? undefined : { statement: insert, done: () => undefined }),
    );
    // The statement with pg-boss's insert in it failed where the transaction did not: do not fold it again.
    if (alone === "fold failed") this.fold = false;
    return { emit, completed: false };
  }

  /**
   * The batch as one statement, pg-boss's insert of its successors' jobs and complete of `jobIds` folded in:
   * `completed` (recorded with its jobs completed), `recorded` (the complete could not be folded: {@link
   * captureComplete}), or `transaction` when it wrote nothing because a run's nodes changed since they were read, or
   * the insert cannot be folded (it is not one statement: {@link captureInsert}), or the statement failed on a
   * deadlock or serialization failure; `fold failed` when the statement with pg-boss's statements folded in was
   * refused as written (it wrote nothing either: {@link isStatementError}). The batch then needs the transaction;
   * any other failure (a lost connection) rejects it, and its jobs are retried.
   */
  private async settleAlone(results: NodeRecord[], planned: Planned[], events: (() => void)[], jobIds: string[]): Promise<"completed" | "recorded" | "transaction" | "fold failed"> {
    const plans = planned.map((p) => p.plan);
    const jobs = planned.flatMap((p) => p.jobs);
    let statement: SettleStatement | undefined;
    if (jobs.length === 0 || this.fold) {
      const complete = this.fold && jobIds.length > 0 ? captureComplete(this.ctx, jobIds) : undefined;
      const insert = jobs.length === 0 ? undefined : await captureInsert(this.ctx, jobs);
      if (jobs.length === 0 || insert) statement = this.ctx.rows.settleStatement(results, plans, { insert, complete });
    }
    if (!statement) return "transaction";
    let rows: unknown[];
    try {
      ({ rows } = await this.ctx.sql.query(statement.text, statement.values, { prepare: this.prepare }));
    } catch (error) {
      // A deadlock or serialization failure (it wrote nothing) says nothing about the fold: the transaction retries it.
      if (isRetryableSqlError(error)) return "transaction";
      if ((jobs.length === 0 && !statement.completes) || !isStatementError(error)) throw error;
      return "fold failed";
    }
    const settled = this.ctx.rows.settled(rows);
    const running = planned.filter((p) => settled.get(p.plan.runId)?.status === "running");
    if (running.some((p) => !settled.get(p.plan.runId)?.applied)) return "transaction";
    for (const p of running) this.report(events, p, p.nodes, p.outcome, p.failed);
    return statement.completes ? "completed" : "recorded";
  }

  /** A run's plan from the newest of its reads: the results join the nodes it knew; the run fails on an unhandled failure. */
  private plan(group: SettleItem[]): Planned {
    const first = group[0] as SettleItem;
    const run = group.reduce((newest, item) => (item.run.version > newest.version ? item.run : newest), first.run);
    const live = group.filter((item) => !Object.hasOwn(run.nodes, item.node.def.id));
    const nodes = { ...run.nodes };
    for (const item of live) nodes[item.node.def.id] = item.result;
    const base = { group, run, nodes, jobs: [] as BossInsertJob[] };
    // Nothing new to plan (every result was known): record whatever is missing and advance from what the run holds.
    if (live.length === 0) return { ...base, plan: { runId: first.runId, expected: -1, skipped: [] }, outcome: { skipped: [] } };
    const failed = live.find((item) => item.result.status === "failed" && !item.node.handlesErrors)?.result;
    if (failed) {
      return { ...base, failed, plan: { runId: first.runId, expected: run.version, skipped: [], final: { status: "failed", error: failed.error } }, outcome: { skipped: [], finished: "failed" } };
    }
    const outcome = planAdvance(this.ctx, { runId: first.runId, workflow: first.workflow, generation: run.generation, input: run.input, results: nodes }, successors(live), base.jobs);
    const plan: RunPlan = { runId: first.runId, expected: run.version, skipped: outcome.skipped.map(({ node, result }) => ({ nodeId: node.def.id, result })) };
    if (outcome.finished) plan.final = { status: "success" };
    return { ...base, plan, outcome };
  }

  /** Runs whose nodes changed since they were read: read them under the lock this transaction holds, and advance. */
  private async advanceStale(tx: SqlExecutor, stale: Stale[], jobs: BossInsertJob[], events: (() => void)[]): Promise<void> {
    const { ctx } = this;
    const nodesByRun = await ctx.rows.nodes(tx, stale.map((s) => s.planned.plan.runId));
    const succeeded: string[] = [];
    for (const { planned, live, generation } of stale) {
      const runId = planned.plan.runId;
      const nodes = nodesByRun.get(runId) ?? {};
      const failed = live.find((item) => item.result.status === "failed" && !item.node.handlesErrors)?.result;
      let outcome: Advance;
      if (failed) {
        await ctx.rows.setStatus(tx, runId, "failed", failed.error);
        outcome = { skipped: [], finished: "failed" };
      } else {
        const workflow = (live[0] as SettleItem).workflow;
        outcome = await advance(ctx, tx, { runId, workflow, generation, input: planned.run.input, results: nodes }, successors(live), jobs, false);
        if (outcome.finished) succeeded.push(runId);
      }
      this.report(events, planned, nodes, outcome, failed);
    }
    if (succeeded.length > 0) await ctx.rows.succeed(tx, succeeded);
  }

  /** Queues a run's events: its skipped nodes, and its end when it reached one. */
  private report(events: (() => void)[], planned: Planned, nodes: Record<string, NodeResult>, outcome: Advance, failed: NodeResult | undefined): void {
    const { ctx } = this;
    const runId = planned.plan.runId;
    const workflow = (planned.group[0] as SettleItem).workflow;
    for (const { node, result } of outcome.skipped) {
      events.push(() => ctx.internals.emit("node:finish", { runId, nodeId: node.def.id, type: node.def.type, result }));
    }
    if (outcome.finished !== undefined) {
      const result = runResult(runId, workflow, planned.run, nodes, outcome.finished, failed);
      events.push(() => ctx.internals.emit("run:finish", { result }));
    }
  }
}

function successors(items: SettleItem[]): CompiledNode[] {
  return items.flatMap((item) => item.node.outgoing.map((edge) => edge.to));
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
