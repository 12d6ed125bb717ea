import { type AtomError, toAtomError, ValidationError } from "@atom/errors";
import { isBranchOutput } from "./define-node.js";
import { NodeTimeoutError, RunCancelledError, RunOwnedError } from "./errors.js";
import { ApprovalRequired } from "./approval.js";
import { resolveTemplates, type TemplateScope } from "./template.js";
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
  deadlineMs?: number;
  /** Approval ids by node id, from `resume`. */
  approvals?: Readonly<Record<string, string>>;
  emit?: <E extends keyof EngineEvents>(event: E, payload: EngineEvents[E]) => void;
}

const NOT_RETRYABLE = new Set([
  "VALIDATION_ERROR",
  "NODE_INPUT_INVALID",
  "TEMPLATE_INVALID",
  "GOVERNANCE_DENIED",
  "SSRF_BLOCKED",
  "ACTION_NOT_FOUND",
  "HTTP_RESPONSE_TOO_LARGE",
]);

function retryable(error: AtomError): boolean {
  if (NOT_RETRYABLE.has(error.code)) return false;
  if (error.code === "HTTP_STATUS_ERROR") {
    const status = error.details.status as number;
    return status >= 500 || status === 429 || status === 408;
  }
  return true;
}

/** @internal */
export function errorInfo(error: AtomError): NodeErrorInfo {
  return error.toJSON() as NodeErrorInfo;
}

function edgeTaken(edge: CompiledEdge, result: NodeResult): boolean {
  if (result.status === "skipped") return false;
  if (result.status === "failed") return edge.branch === "error";
  return edge.branch === undefined || edge.branch === result.branch;
}

const NO_EDGES: readonly CompiledEdge[] = Object.freeze([]);
const NO_SOURCES: readonly string[] = Object.freeze([]);
const ONE_ATTEMPT = { maxAttempts: 1 } as const;

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
  private readonly results: Record<string, NodeResult> = {};
  // Unsettled predecessors per node, by CompiledNode.index.
  private readonly waiting: Int32Array;
  private readonly ready: CompiledNode[] = [];
  private readonly cancel = new CancelScope();
  private readonly writes: Promise<void>[] = [];
  private readonly started: number;
  private readyAt = 0;
  private running = 0;
  private halted = false;
  private failure: NodeErrorInfo | undefined;
  private status: RunResult["status"] = "success";
  private pendingApproval: RunResult["pendingApproval"];
  private deadline: LongTimer | undefined;
  private passedGates: Set<string> | undefined;
  private completed = false;
  private finish!: (result: RunResult) => void;
  private fail!: (error: unknown) => void;

  constructor(private readonly params: ExecuteParams) {
    this.started = params.services.clock.now();
    this.waiting = new Int32Array(params.workflow.nodes.length);
  }

  start(): Promise<RunResult> {
    const { params, results, waiting, ready } = this;
    const done = new Promise<RunResult>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    if (params.signal) {
      if (params.signal.aborted) this.onAbort();
      else params.signal.addEventListener("abort", this.onAbort, { once: true });
    }
    if (params.deadlineMs !== undefined) {
      this.deadline = setLongTimeout(
        params.services.clock,
        () => this.cancel.abort(new RunCancelledError({ reason: "deadline" })),
        params.deadlineMs,
      );
    }
    // Node ids cannot be "__proto__" (see the definition schema), so a plain object is safe and is returned as is.
    let resumed = false;
    for (const id in params.settled) {
      results[id] = params.settled[id] as NodeResult;
      resumed = true;
    }
    for (const node of params.workflow.nodes) {
      if (resumed && Object.hasOwn(results, node.def.id)) continue;
      const open = resumed ? node.incoming.filter((edge) => !Object.hasOwn(results, edge.from.def.id)).length : node.incoming.length;
      waiting[node.index] = open;
      if (open === 0) ready.push(node);
    }
    this.pump();
    if (!this.completed) params.keeper.add(this);
    return done;
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
    if (!this.completed) this.cancel.abort(new RunOwnedError({ runId: this.params.runId, reason: "lease_lost" }));
  }

  private readonly onAbort = () => this.cancel.abort(new RunCancelledError({ reason: "aborted" }));

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
    const { ready, cancel, params } = this;
    while (this.readyAt < ready.length && this.running < params.concurrency && !this.halted) {
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
          if (isThenable(write)) this.writes.push(Promise.resolve(write));
        } catch (error) {
          this.halt("failed", errorInfo(toAtomError(error)));
          break;
        }
        this.settle(node, skipped);
        continue;
      }
      // A node whose execute and store write both return synchronously settles here, without a microtask turn.
      const pending = this.startNode(node, live);
      if (pending === undefined) continue;
      this.running++;
      pending.then(this.nodeDone, this.nodeCrashed);
    }
    if (this.running === 0 && (this.halted || this.readyAt >= ready.length)) this.complete();
  }

  private readonly nodeDone = () => {
    this.running--;
    this.pump();
  };

  private readonly nodeCrashed = (error: unknown) => {
    this.running--;
    this.halt("failed", errorInfo(toAtomError(error)));
    this.pump();
  };

  private settle(node: CompiledNode, result: NodeResult): void {
    const { params, waiting } = this;
    this.results[node.def.id] = result;
    params.emit?.("node:finish", { runId: params.runId, nodeId: node.def.id, type: node.def.type, result });
    if (result.status === "failed" && !node.handlesErrors) this.halt("failed", result.error);
    for (const edge of node.outgoing) {
      const left = (waiting[edge.to.index] as number) - 1;
      waiting[edge.to.index] = left;
      if (left === 0) this.ready.push(edge.to);
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
    params.signal?.removeEventListener("abort", this.onAbort);
    if (this.writes.length > 0) {
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

  private report(): void {
    const { params, results } = this;
    const outputs: Record<string, unknown> = {};
    for (const node of params.workflow.sinks) {
      const result = results[node.def.id];
      if (result?.status === "success") outputs[node.def.id] = result.output;
    }
    const result: RunResult = {
      runId: params.runId,
      workflowId: params.workflow.def.id,
      status: this.status,
      nodes: results,
      outputs,
      durationMs: params.services.clock.now() - this.started,
    };
    if (this.failure) result.error = this.failure;
    if (this.pendingApproval) result.pendingApproval = this.pendingApproval;
    params.emit?.("run:finish", { result });
    this.finish(result);
  }

  private liveEdges(node: CompiledNode): readonly CompiledEdge[] {
    const { incoming } = node;
    if (incoming.length === 0) return NO_EDGES;
    const { results } = this;
    if (incoming.length === 1) {
      const edge = incoming[0] as CompiledEdge;
      return edgeTaken(edge, results[edge.from.def.id] as NodeResult) ? edge.alone : NO_EDGES;
    }
    return incoming.filter((edge) => edgeTaken(edge, results[edge.from.def.id] as NodeResult));
  }

  private nodeInput(node: CompiledNode, live: readonly CompiledEdge[]): unknown {
    if (node.incoming.length === 0) return this.params.input;
    const { results } = this;
    const valueOf = (edge: CompiledEdge) => {
      const result = results[edge.from.def.id] as NodeResult;
      return result.status === "failed" ? result.error : result.output;
    };
    if (live.length === 1) return valueOf(live[0] as CompiledEdge);
    const merged: Record<string, unknown> = {};
    for (const edge of live) merged[edge.from.def.id] = valueOf(edge);
    return merged;
  }

  gatePassed(nodeId: string): boolean {
    return this.passedGates?.has(nodeId) === true;
  }

  passGate(nodeId: string): void {
    (this.passedGates ??= new Set()).add(nodeId);
  }

  approvalFor(nodeId: string): string | undefined {
    const { approvals } = this.params;
    return approvals !== undefined && Object.hasOwn(approvals, nodeId) ? approvals[nodeId] : undefined;
  }

  scopeOf(input: unknown, item?: unknown): TemplateScope {
    const { params, results } = this;
    return item === undefined
      ? { input, runInput: params.input, nodes: results }
      : { input, runInput: params.input, nodes: results, item };
  }

  private attempt(node: CompiledNode, input: unknown, predecessors: readonly string[], attemptNo: number): unknown {
    const { cancel } = this;
    if (node.def.timeoutMs === undefined) return this.runAttempt(node, input, predecessors, attemptNo, cancel, undefined);
    // A timed attempt runs in a child scope, aborted by the run's cancellation or by its own timer.
    const { clock } = this.params.services;
    const timeoutMs = node.def.timeoutMs;
    const local = new CancelScope();
    const forward = (reason: unknown) => local.abort(reason);
    cancel.onAbort(forward);
    const timer = setLongTimeout(clock, () => local.abort(new NodeTimeoutError({ nodeId: node.def.id, timeoutMs })), timeoutMs);
    const cleanup = () => {
      clearLongTimeout(clock, timer);
      cancel.offAbort(forward);
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
      const config = node.hasTemplates && !node.type.resolvesTemplates ? resolveConfig(node, this.scopeOf(input)) : node.parsedConfig;
      const ctx = new NodeContextImpl(config, input, predecessors, node.def, params.runId, params.agentId, attemptNo, scope, params.services, this);
      value = node.type.execute(ctx);
    } catch (error) {
      cleanup?.();
      throw error;
    }
    if (!isThenable(value)) {
      cleanup?.();
      return value;
    }
    const raced = scope.race(value);
    return cleanup ? raced.finally(cleanup) : raced;
  }

  private succeeded(value: unknown, attempts: number, startedAt: string): NodeResult {
    return isBranchOutput(value)
      ? { status: "success", output: value.output, branch: value.branch, attempts, startedAt, finishedAt: this.now() }
      : { status: "success", output: value, attempts, startedAt, finishedAt: this.now() };
  }

  /** Writes a settled node and settles it: synchronously when the store allows, else through the returned promise. */
  private record(node: CompiledNode, result: NodeResult): Promise<void> | undefined {
    let write: void | Promise<void>;
    try {
      write = this.params.store.saveNodeResult(this.params.runId, node.def.id, result, this.params.lease.owner);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!isThenable(write)) {
      this.settle(node, result);
      return undefined;
    }
    return Promise.resolve(write).then(() => this.settle(node, result));
  }

  /** Runs a node's first attempt; returns `undefined` when it settled synchronously. */
  private startNode(node: CompiledNode, live: readonly CompiledEdge[]): Promise<void> | undefined {
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
      return this.finishNode(node, input, predecessors, startedAt, Promise.reject(thrown));
    }
    if (isThenable(value)) return this.finishNode(node, input, predecessors, startedAt, value);
    return this.record(node, this.succeeded(value, 1, startedAt));
  }

  /** Awaits an attempt that did not settle synchronously, retrying as the node's policy allows. */
  private async finishNode(
    node: CompiledNode,
    input: unknown,
    predecessors: readonly string[],
    startedAt: string,
    first: PromiseLike<unknown>,
  ): Promise<void> {
    const { cancel, params } = this;
    const policy = node.def.retry ?? ONE_ATTEMPT;
    let pending = first;
    let result: NodeResult | undefined;
    for (let attemptNo = 1; result === undefined; attemptNo++) {
      try {
        result = this.succeeded(await pending, attemptNo, startedAt);
      } catch (thrown) {
        if (thrown instanceof ApprovalRequired) {
          this.pendingApproval = { nodeId: node.def.id, action: thrown.action, reason: thrown.reason };
          if (thrown.proposalId !== undefined) this.pendingApproval.proposalId = thrown.proposalId;
          this.halt("paused");
          return;
        }
        if (cancel.aborted) {
          this.halt("cancelled", errorInfo(cancel.reason as AtomError));
          return;
        }
        const error = toAtomError(thrown);
        if (attemptNo < policy.maxAttempts && retryable(error)) {
          const retryAfterMs = error.details.retryAfterMs as number | undefined;
          try {
            await sleep(backoffDelay(policy, attemptNo, params.random, retryAfterMs), cancel.signal, params.services.clock);
          } catch {
            this.halt("cancelled", errorInfo(cancel.reason as AtomError));
            return;
          }
          pending = this.attemptAsync(node, input, predecessors, attemptNo + 1);
          continue;
        }
        result = { status: "failed", error: errorInfo(error), attempts: attemptNo, startedAt, finishedAt: this.now() };
      }
    }
    const write = this.record(node, result);
    if (write) await write;
  }

  private async attemptAsync(node: CompiledNode, input: unknown, predecessors: readonly string[], attemptNo: number) {
    return this.attempt(node, input, predecessors, attemptNo);
  }
}

function resolveConfig(node: CompiledNode, scope: TemplateScope): unknown {
  const resolved = resolveTemplates(node.def.config, scope);
  const parsed = node.type.config.safeParse(resolved);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ["config", ...(issue?.path ?? []).map(String)].join(".");
  throw new ValidationError({
    field,
    message: `[@atom/workflow-engine] node "${node.def.id}" ${field} after templates: ${issue?.message ?? "invalid"}`,
  });
}
