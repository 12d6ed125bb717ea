import { type AtomError, toAtomError, ValidationError } from "@atom/errors";
import { isBranchOutput } from "./define-node.js";
import { NodeOutputTooLargeError, NodeTimeoutError, RunCancelledError, RunOwnedError } from "./errors.js";
import { valueSizeProblem } from "./json-limits.js";
import { settledFailure } from "./settled-failure.js";
import { ApprovalRequired } from "./approval.js";
import { resolveWithin, type TemplateScope } from "./template.js";
import { TemplateBudget } from "./template-budget.js";
import { backoffDelay, clearLongTimeout, isoTime, type LongTimer, setLongTimeout, sleep } from "./timing.js";
import { NodeContextImpl, type TemplateScopes } from "./node-context.js";
import { CancelScope } from "./cancel-scope.js";
import type { LeaseKeeper, LeasedRun } from "./lease-keeper.js";
import { isThenable } from "./thenable.js";
import type { CompiledEdge, CompiledNode, CompiledWorkflow } from "./validate.js";
import type { EngineEvents, NodeErrorInfo, NodeResult, NodeServices, RunLease, RunResult, RunStore } from "./types.js";

/** Everything one execution needs. @internal */
export interface ExecuteParams {
  workflow: CompiledWorkflow;
  runId: string;
  input: unknown;
  agentId?: string;
  /** Nodes settled by an earlier execution of the same run (resume). */
  settled: Record<string, NodeResult>;
  store: RunStore;
  /** The lease this execution holds; every write names its owner. */
  lease: RunLease;
  /** Renews the lease while the run executes. */
  keeper: LeaseKeeper;
  services: NodeServices;
  concurrency: number;
  random: () => number;
  signal?: AbortSignal;
  /** Cancels the run like `signal` does, without an `AbortSignal` and its listener (a queue worker's per-job scope). */
  cancel?: CancelScope;
  deadlineMs?: number;
  /** Approval ids by node id, from `resume`. */
  approvals?: Readonly<Record<string, string>>;
  emit?: <E extends keyof EngineEvents>(event: E, payload: EngineEvents[E]) => void;
  /**
   * Runs only this node (its predecessors are in `settled`) and settles nothing after it: the step a queue worker
   * takes. No `run:finish` is emitted; the result is in the returned run's `nodes`.
   */
  only?: CompiledNode;
}

const NOT_RETRYABLE = new Set([
  "VALIDATION_ERROR",
  "NODE_INPUT_INVALID",
  "TEMPLATE_INVALID",
  "GOVERNANCE_DENIED",
  "CREDENTIALS_HOST_NOT_ALLOWED",
  "SSRF_BLOCKED",
  "ACTION_NOT_FOUND",
  "HTTP_RESPONSE_TOO_LARGE",
  "NODE_OUTPUT_TOO_LARGE",
]);

function retryable(error: AtomError): boolean {
  if (NOT_RETRYABLE.has(error.code)) return false;
  if (error.code === "HTTP_STATUS_ERROR") {
    const status = error.details.status as number;
    return status >= 500 || status === 429 || status === 408;
  }
  return true;
}

/**
 * Returns what a node's attempt produced once its output (a branch's output included) fits the JSON limits, so that
 * no store write, template or successor walks a value that grew past them (e.g. one doubling a shared predecessor).
 * @throws NodeOutputTooLargeError (`NODE_OUTPUT_TOO_LARGE`) otherwise.
 */
function checkedOutput(node: CompiledNode, value: unknown): unknown {
  const problem = valueSizeProblem(isBranchOutput(value) ? value.output : value);
  if (problem !== undefined) throw new NodeOutputTooLargeError({ nodeId: node.def.id, problem: `output ${problem}` });
  return value;
}

/** @internal */
export function errorInfo(error: AtomError): NodeErrorInfo {
  return error.toJSON() as NodeErrorInfo;
}

/** Whether `edge` is taken given its source's result. @internal */
export function edgeTaken(edge: CompiledEdge, result: NodeResult): boolean {
  if (result.status === "skipped") return false;
  if (result.status === "failed") return edge.branch === "error";
  return edge.branch === undefined || edge.branch === result.branch;
}

const NO_EDGES: readonly CompiledEdge[] = Object.freeze([]);
const NO_SOURCES: readonly string[] = Object.freeze([]);
const ONE_ATTEMPT = { maxAttempts: 1 } as const;
const ignore = () => undefined;
const NO_WAITING = new Int32Array(0);

/**
 * Runs the graph: a node starts once every predecessor settled; nodes with no taken incoming edge are skipped,
 * which propagates; at most `concurrency` async nodes are in flight, while synchronous ones settle in the loop.
 * @internal
 */
export function executeWorkflow(params: ExecuteParams): Promise<RunResult> {
  return new Execution(params).start();
}

/**
 * One execution of a run. A class rather than closures over locals: a one-node run would otherwise allocate a
 * couple of dozen functions before doing any work.
 */
class Execution implements TemplateScopes, LeasedRun {
  // Settled results by CompiledNode.index: the scheduler's own lookups. The keyed record a run returns (and
  // templates read) is built once, from `params.settled` and `order`; adding a thousand keys one per node to a
  // record was most of a long chain's per-node cost.
  private readonly results: (NodeResult | undefined)[];
  // Nodes this execution settled, in settle order: `order[0..settledCount)`.
  private readonly order: CompiledNode[];
  private settledCount = 0;
  // The keyed record, once something asked for it; then kept current by `settle`.
  private keyed: Record<string, NodeResult> | undefined;
  // Reads a result by node, for the shared `liveEdges`/`nodeInput` rules.
  private readonly resultOf = (node: CompiledNode): NodeResult | undefined => this.results[node.index];
  // Unsettled predecessors per node, by CompiledNode.index.
  private readonly waiting: Int32Array;
  // Nodes in the order they became ready: `ready[readyAt..readyEnd)` are still to start. Sized once, since a node
  // becomes ready at most once (an empty array's first push reserves 17 slots).
  private readonly ready: CompiledNode[];
  private readyEnd = 0;
  private readonly cancel = new CancelScope();
  // Store writes of skipped nodes still pending (an asynchronous store); made on the first.
  private writes: Promise<void>[] | undefined;
  private readonly started: number;
  private readyAt = 0;
  private running = 0;
  // Of the running nodes, those awaiting an attempt (or a retry's backoff) on the run's scope; see `abortRun`.
  private inAttempt = 0;
  // Bumped when an abort abandons the nodes awaiting attempts: their continuations compare it and drop out.
  private epoch = 0;
  private halted = false;
  private failure: NodeErrorInfo | undefined;
  private status: RunResult["status"] = "success";
  private pendingApproval: RunResult["pendingApproval"];
  private deadline: LongTimer | undefined;
  // Per node, the request digest governance allowed: a retry is only waved through with the same input.
  private passedGates: Map<string, string> | undefined;
  private completed = false;
  private onAbort: (() => void) | undefined;
  private finish!: (result: RunResult) => void;
  private fail!: (error: unknown) => void;
  /** @internal See {@link LeasedRun.keeperSlot}. */
  keeperSlot = -1;

  constructor(private readonly params: ExecuteParams) {
    this.started = params.services.clock.now();
    const size = params.workflow.nodes.length;
    // Counters only matter for nodes with incoming edges; a graph without edges shares an empty array.
    this.waiting = params.workflow.def.edges.length > 0 ? new Int32Array(size) : NO_WAITING;
    this.ready = new Array<CompiledNode>(params.only ? 1 : size);
    this.results = new Array<NodeResult | undefined>(size);
    this.order = new Array<CompiledNode>(params.only ? 1 : size);
  }

  start(): Promise<RunResult> {
    const { params, results, waiting, ready, resultOf } = this;
    const done = new Promise<RunResult>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    if (params.signal || params.cancel) {
      // Made only for a run that can be cancelled, like every other per-run closure.
      const onAbort = () => this.abortRun(new RunCancelledError({ reason: "aborted" }));
      this.onAbort = onAbort;
      if (params.cancel) params.cancel.onAbort(onAbort);
      if (params.signal?.aborted) onAbort();
      else params.signal?.addEventListener("abort", onAbort, { once: true });
    }
    if (params.deadlineMs !== undefined) {
      this.deadline = setLongTimeout(
        params.services.clock,
        () => this.abortRun(new RunCancelledError({ reason: "deadline" })),
        params.deadlineMs,
      );
    }
    let resumed = false;
    for (const id in params.settled) {
      resumed = Object.hasOwn(params.settled, id);
      if (resumed) break;
    }
    if (resumed) {
      for (const node of params.workflow.nodes) {
        if (Object.hasOwn(params.settled, node.def.id)) results[node.index] = params.settled[node.def.id];
      }
      if (!params.only) this.haltOnSettledFailure();
    }
    if (params.only) ready[this.readyEnd++] = params.only;
    else for (const node of params.workflow.nodes) {
      if (resumed && results[node.index] !== undefined) continue;
      let open = node.incoming.length;
      if (resumed) for (const edge of node.incoming) if (resultOf(edge.from) !== undefined) open--;
      waiting[node.index] = open;
      if (open === 0) ready[this.readyEnd++] = node;
    }
    this.pump();
    if (!this.completed) params.keeper.add(this);
    return done;
  }

  /**
   * A node that failed without an `error` edge in an earlier execution (recorded before a pause, a cancellation or a
   * crash) fails the run as it would have there: nothing new starts, and the earliest such failure is the run's error.
   */
  private haltOnSettledFailure(): void {
    const failure = settledFailure(this.params.workflow, this.params.settled);
    if (failure) this.halt("failed", failure.error);
  }

  /** Heartbeat (called by the engine's {@link LeaseKeeper}): a lease taken over by another engine cancels this run. */
  renew(): void {
    const { params } = this;
    let renewed: boolean | Promise<boolean>;
    try {
      renewed = params.store.renewLease(params.runId, params.lease);
    } catch {
      return; // A store outage is retried at the next beat; a takeover meanwhile refuses this run's writes.
    }
    if (renewed === true) return;
    if (renewed === false) this.leaseLost();
    else renewed.then((held) => held || this.leaseLost(), () => undefined);
  }

  private leaseLost(): void {
    if (!this.completed) this.abortRun(new RunOwnedError({ runId: this.params.runId, reason: "lease_lost" }));
  }

  /**
   * Aborts the run's scope. Nodes awaiting an attempt are abandoned at once, so a node that ignores its signal
   * cannot hold the run: they stop counting as running, the run halts `cancelled`, and whatever they settle with
   * later is dropped. This replaces racing every attempt against the scope, which cost a promise and four closures
   * per node. Nodes writing their result finish the write first, as before.
   */
  private abortRun(reason: AtomError): void {
    const { cancel } = this;
    if (cancel.aborted) return;
    cancel.abort(reason);
    if (this.completed || this.inAttempt === 0) return;
    this.running -= this.inAttempt;
    this.inAttempt = 0;
    this.epoch++;
    this.halt("cancelled", errorInfo(reason));
    // Not synchronously: the abort may come from inside the pump (a node aborting its run's signal).
    queueMicrotask(() => this.pump());
  }

  private now(): string {
    return isoTime(this.params.services.clock.now());
  }

  private halt(runStatus: RunResult["status"], error?: NodeErrorInfo): void {
    if (this.halted) return;
    this.halted = true;
    this.status = runStatus;
    this.failure = error;
  }

  private pump(): void {
    if (this.completed) return;
    const { ready, cancel, params } = this;
    while (this.readyAt < this.readyEnd && this.running < params.concurrency && !this.halted) {
      if (cancel.aborted) {
        this.halt("cancelled", errorInfo(cancel.reason as AtomError));
        break;
      }
      const node = ready[this.readyAt++] as CompiledNode;
      const live = this.liveEdges(node);
      if (node.incoming.length > 0 && live.length === 0) {
        const skipped: NodeResult = { status: "skipped", attempts: 0, finishedAt: this.now() };
        try {
          const write = params.store.saveNodeResult(params.runId, node.def.id, skipped, params.lease.owner);
          if (isThenable(write)) (this.writes ??= []).push(Promise.resolve(write));
        } catch (error) {
          this.halt("failed", errorInfo(toAtomError(error)));
          break;
        }
        this.settle(node, skipped);
        continue;
      }
      // A node whose execute and store write both return synchronously settles here, without a microtask turn;
      // one that does not counts as running until its own continuation calls `nodeEnded`.
      this.running++;
      if (this.startNode(node, live)) this.running--;
    }
    if (this.running === 0 && (this.halted || this.readyAt >= this.readyEnd)) this.complete();
  }

  /** The end of a node that did not settle synchronously: frees its slot and starts what became ready. */
  private nodeEnded(): void {
    this.running--;
    this.pump();
  }

  /** The end of such a node when its store write (or the engine) failed: the run fails. */
  private nodeCrashed(error: unknown): void {
    this.running--;
    this.halt("failed", errorInfo(toAtomError(error)));
    this.pump();
  }

  /** Settles a node once its store write resolves, then ends it; the write's failure fails the run. */
  private async settleAfter(write: PromiseLike<void>, node: CompiledNode, result: NodeResult): Promise<void> {
    try {
      await write;
    } catch (error) {
      this.nodeCrashed(error);
      return;
    }
    this.settle(node, result);
    this.nodeEnded();
  }

  private settle(node: CompiledNode, result: NodeResult): void {
    const { params, waiting } = this;
    this.results[node.index] = result;
    this.order[this.settledCount++] = node;
    if (this.keyed) this.keyed[node.def.id] = result;
    params.emit?.("node:finish", { runId: params.runId, nodeId: node.def.id, type: node.def.type, result });
    if (result.status === "failed" && !node.handlesErrors) this.halt("failed", result.error);
    if (params.only) return;
    for (const edge of node.outgoing) {
      const left = (waiting[edge.to.index] as number) - 1;
      waiting[edge.to.index] = left;
      if (left === 0) this.ready[this.readyEnd++] = edge.to;
    }
  }

  /**
   * Ends the run once pending store writes are done: synchronously when there are none and the store allows. When
   * the store fails here, the run's promise rejects with the store's error.
   */
  private complete(): void {
    const { params } = this;
    this.completed = true;
    params.keeper.delete(this);
    if (this.deadline !== undefined) clearLongTimeout(params.services.clock, this.deadline);
    if (this.onAbort) {
      params.signal?.removeEventListener("abort", this.onAbort);
      params.cancel?.offAbort(this.onAbort);
    }
    if (this.writes) {
      Promise.all(this.writes).then(() => this.writeStatus(), this.fail);
      return;
    }
    this.writeStatus();
  }

  private writeStatus(): void {
    let written: void | Promise<void>;
    try {
      written = this.params.store.setRunStatus(this.params.runId, this.params.lease.owner, this.status, this.failure);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (isThenable(written)) Promise.resolve(written).then(() => this.report(), this.fail);
    else this.report();
  }

  /**
   * Every settled result by node id: the earlier executions' (in their order), then this one's in settle order.
   * Node ids cannot be "__proto__" (see the definition schema), so a plain object is safe and is returned as is.
   */
  private keyedResults(): Record<string, NodeResult> {
    if (this.keyed) return this.keyed;
    const keyed: Record<string, NodeResult> = {};
    const { settled } = this.params;
    for (const id in settled) if (Object.hasOwn(settled, id)) keyed[id] = settled[id] as NodeResult;
    for (let i = 0; i < this.settledCount; i++) {
      const node = this.order[i] as CompiledNode;
      keyed[node.def.id] = this.results[node.index] as NodeResult;
    }
    return (this.keyed = keyed);
  }

  private report(): void {
    const { params, results } = this;
    const outputs: Record<string, unknown> = {};
    for (const node of params.workflow.sinks) {
      const result = results[node.index];
      if (result?.status === "success") outputs[node.def.id] = result.output;
    }
    const result: RunResult = {
      runId: params.runId,
      workflowId: params.workflow.def.id,
      status: this.status,
      nodes: this.keyedResults(),
      outputs,
      durationMs: params.services.clock.now() - this.started,
    };
    if (this.failure) result.error = this.failure;
    if (this.pendingApproval) result.pendingApproval = this.pendingApproval;
    if (!params.only) params.emit?.("run:finish", { result });
    this.finish(result);
  }

  private liveEdges(node: CompiledNode): readonly CompiledEdge[] {
    return liveEdges(node, this.resultOf);
  }

  private nodeInput(node: CompiledNode, live: readonly CompiledEdge[]): unknown {
    return nodeInput(node, live, this.resultOf, this.params.input);
  }

  gatePassed(nodeId: string, digest: string): boolean {
    return this.passedGates?.get(nodeId) === digest;
  }

  passGate(nodeId: string, digest: string): void {
    (this.passedGates ??= new Map()).set(nodeId, digest);
  }

  approvalFor(nodeId: string): string | undefined {
    const { approvals } = this.params;
    return approvals !== undefined && Object.hasOwn(approvals, nodeId) ? approvals[nodeId] : undefined;
  }

  scopeOf(input: unknown, item?: unknown): TemplateScope {
    const { params } = this;
    const nodes = this.keyedResults();
    return item === undefined ? { input, runInput: params.input, nodes } : { input, runInput: params.input, nodes, item };
  }

  private attempt(node: CompiledNode, input: unknown, predecessors: readonly string[], attemptNo: number): unknown {
    const { cancel } = this;
    if (node.def.timeoutMs === undefined) return this.runAttempt(node, input, predecessors, attemptNo, cancel, undefined);
    // A timed attempt runs in a child scope, aborted by the run's cancellation or by its own timer.
    const { clock } = this.params.services;
    const timeoutMs = node.def.timeoutMs;
    const local = new CancelScope();
    cancel.link(local);
    const timer = setLongTimeout(clock, () => local.abort(new NodeTimeoutError({ nodeId: node.def.id, timeoutMs })), timeoutMs);
    const cleanup = () => {
      clearLongTimeout(clock, timer);
      cancel.unlink(local);
    };
    return this.runAttempt(node, input, predecessors, attemptNo, local, cleanup);
  }

  private runAttempt(
    node: CompiledNode,
    input: unknown,
    predecessors: readonly string[],
    attemptNo: number,
    scope: CancelScope,
    cleanup: (() => void) | undefined,
  ): unknown {
    const { params } = this;
    let value: unknown;
    try {
      // One budget for all the templates this attempt resolves: its config, then whatever `ctx.resolve` renders.
      const budget = new TemplateBudget(node.def.id);
      const config = node.hasTemplates && !node.type.resolvesTemplates ? resolveConfig(node, this.scopeOf(input), budget) : node.parsedConfig;
      const ctx = new NodeContextImpl(config, input, predecessors, node.def, params.runId, params.agentId, attemptNo, scope, params.services, this, budget);
      value = node.type.execute(ctx);
    } catch (error) {
      cleanup?.();
      throw error;
    }
    if (!isThenable(value)) {
      cleanup?.();
      return checkedOutput(node, value);
    }
    // On the run's own scope an abort abandons the attempt (see `abortRun`); a timed attempt's scope races it.
    if (scope === this.cancel) return value;
    const raced = scope.race(value);
    return cleanup ? raced.finally(cleanup) : raced;
  }

  private succeeded(value: unknown, attempts: number, startedAt: string): NodeResult {
    return isBranchOutput(value)
      ? { status: "success", output: value.output, branch: value.branch, attempts, startedAt, finishedAt: this.now() }
      : { status: "success", output: value, attempts, startedAt, finishedAt: this.now() };
  }

  /**
   * Writes a settled node and settles it. True when both happened synchronously (the store allows); otherwise the
   * node ends through {@link Execution.settleAfter}, a store that threw included, a turn later as a rejected write.
   */
  private record(node: CompiledNode, result: NodeResult): boolean {
    let write: void | PromiseLike<void>;
    try {
      write = this.params.store.saveNodeResult(this.params.runId, node.def.id, result, this.params.lease.owner);
    } catch (error) {
      write = Promise.reject(error);
    }
    if (!isThenable(write)) {
      this.settle(node, result);
      return true;
    }
    void this.settleAfter(write, node, result);
    return false;
  }

  /**
   * Runs a node's first attempt. True when it settled synchronously; otherwise its continuation ends it (see
   * {@link Execution.nodeEnded}).
   */
  private startNode(node: CompiledNode, live: readonly CompiledEdge[]): boolean {
    const { params } = this;
    params.emit?.("node:start", { runId: params.runId, nodeId: node.def.id, type: node.def.type });
    const startedAt = this.now();
    const input = this.nodeInput(node, live);
    const predecessors =
      live.length === 0 ? NO_SOURCES : live.length === 1 ? (live[0] as CompiledEdge).sources : [...new Set(live.map((edge) => edge.from.def.id))];
    let value: unknown;
    try {
      value = this.attempt(node, input, predecessors, 1);
    } catch (thrown) {
      void this.finishNode(node, input, predecessors, startedAt, Promise.reject(thrown));
      return false;
    }
    if (!isThenable(value)) return this.record(node, this.succeeded(value, 1, startedAt));
    if (this.cancel.aborted) {
      // The node aborted its own run while starting: it is not awaited, and its outcome must not go unhandled.
      value.then(undefined, ignore);
      void this.finishNode(node, input, predecessors, startedAt, Promise.reject(this.cancel.reason));
      return false;
    }
    void this.finishNode(node, input, predecessors, startedAt, value);
    return false;
  }

  /**
   * Awaits an attempt that did not settle synchronously and ends the node; a failure goes on in
   * {@link Execution.afterFailure}, so the common case keeps a small async frame. Never rejects.
   */
  private async finishNode(
    node: CompiledNode,
    input: unknown,
    predecessors: readonly string[],
    startedAt: string,
    first: PromiseLike<unknown>,
  ): Promise<void> {
    const epoch = this.epoch;
    this.inAttempt++;
    let result: NodeResult;
    try {
      const value = await first;
      if (epoch !== this.epoch) return;
      result = this.succeeded(checkedOutput(node, value), 1, startedAt);
    } catch (thrown) {
      if (epoch === this.epoch) void this.afterFailure(node, input, predecessors, startedAt, thrown, epoch);
      return;
    }
    this.inAttempt--;
    if (this.record(node, result)) this.nodeEnded();
  }

  /**
   * After a failed attempt: pauses for approval, stops on cancellation, or retries as the node's policy allows,
   * then ends the node. Returns early, touching nothing, once an abort abandoned the node (`epoch` moved).
   */
  private async afterFailure(
    node: CompiledNode,
    input: unknown,
    predecessors: readonly string[],
    startedAt: string,
    firstError: unknown,
    epoch: number,
  ): Promise<void> {
    const { cancel, params } = this;
    const policy = node.def.retry ?? ONE_ATTEMPT;
    let thrown = firstError;
    let result: NodeResult | undefined;
    // Set when the run halts here (paused or cancelled): the node ends without a result.
    let halted = false;
    try {
      for (let attemptNo = 1; result === undefined && !halted; attemptNo++) {
        if (thrown instanceof ApprovalRequired) {
          this.pendingApproval = { nodeId: node.def.id, action: thrown.action, reason: thrown.reason };
          if (thrown.proposalId !== undefined) this.pendingApproval.proposalId = thrown.proposalId;
          this.halt("paused");
          halted = true;
          break;
        }
        if (cancel.aborted) {
          this.halt("cancelled", errorInfo(cancel.reason as AtomError));
          halted = true;
          break;
        }
        const error = toAtomError(thrown);
        if (attemptNo >= policy.maxAttempts || !retryable(error)) {
          result = { status: "failed", error: errorInfo(error), attempts: attemptNo, startedAt, finishedAt: this.now() };
          break;
        }
        const retryAfterMs = error.details.retryAfterMs as number | undefined;
        try {
          await sleep(backoffDelay(policy, attemptNo, params.random, retryAfterMs), cancel.signal, params.services.clock);
        } catch {
          if (epoch !== this.epoch) return;
          this.halt("cancelled", errorInfo(cancel.reason as AtomError));
          halted = true;
          break;
        }
        if (epoch !== this.epoch) return;
        try {
          const value = await this.attemptAsync(node, input, predecessors, attemptNo + 1);
          if (epoch !== this.epoch) return;
          result = this.succeeded(value, attemptNo + 1, startedAt);
        } catch (again) {
          if (epoch !== this.epoch) return;
          thrown = again;
        }
      }
    } catch (error) {
      if (epoch !== this.epoch) return;
      this.inAttempt--;
      this.nodeCrashed(error);
      return;
    }
    this.inAttempt--;
    if (halted || this.record(node, result as NodeResult)) this.nodeEnded();
  }

  private async attemptAsync(node: CompiledNode, input: unknown, predecessors: readonly string[], attemptNo: number) {
    return checkedOutput(node, await this.attempt(node, input, predecessors, attemptNo));
  }
}

/** A node's settled result, or `undefined`: how the shared rules below read results. @internal */
export type ResultOf = (node: CompiledNode) => NodeResult | undefined;

/** {@link ResultOf} over a record keyed by node id, as queue workers hold results. @internal */
export function keyedResultOf(results: Readonly<Record<string, NodeResult>>): ResultOf {
  return (node) => (Object.hasOwn(results, node.def.id) ? results[node.def.id] : undefined);
}

/**
 * The incoming edges of `node` that are taken, given its predecessors' results (all settled); none means the node
 * is skipped. The one rule both the in-process executor and queue workers apply.
 * @internal
 */
export function liveEdges(node: CompiledNode, resultOf: ResultOf): readonly CompiledEdge[] {
  const { incoming } = node;
  if (incoming.length === 0) return NO_EDGES;
  if (incoming.length === 1) {
    const edge = incoming[0] as CompiledEdge;
    return edgeTaken(edge, resultOf(edge.from) as NodeResult) ? edge.alone : NO_EDGES;
  }
  return incoming.filter((edge) => edgeTaken(edge, resultOf(edge.from) as NodeResult));
}

/** What a live edge carries into its target: the source's output, or its error down an `error` branch. */
function carried(edge: CompiledEdge, resultOf: ResultOf): unknown {
  const result = resultOf(edge.from) as NodeResult;
  return result.status === "failed" ? result.error : result.output;
}

/**
 * A node's input: the run input for a start node, the single live predecessor's output (or error), or an object
 * keyed by live predecessor.
 * @internal
 */
export function nodeInput(node: CompiledNode, live: readonly CompiledEdge[], resultOf: ResultOf, runInput: unknown): unknown {
  if (node.incoming.length === 0) return runInput;
  if (live.length === 1) return carried(live[0] as CompiledEdge, resultOf);
  const merged: Record<string, unknown> = {};
  for (const edge of live) merged[edge.from.def.id] = carried(edge, resultOf);
  return merged;
}

/** @internal */
export function resolveConfig(node: CompiledNode, scope: TemplateScope, budget: TemplateBudget = new TemplateBudget(node.def.id)): unknown {
  const resolved = resolveWithin(node.def.config, scope, budget);
  const parsed = node.type.config.safeParse(resolved);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ["config", ...(issue?.path ?? []).map(String)].join(".");
  throw new ValidationError({
    field,
    message: `[@atom/workflow-engine] node "${node.def.id}" ${field} after templates: ${issue?.message ?? "invalid"}`,
  });
}
