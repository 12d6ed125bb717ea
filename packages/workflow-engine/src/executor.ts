import { type AtomError, toAtomError, ValidationError } from "@atom/errors";
import { isBranchOutput } from "./define-node.js";
import { NodeTimeoutError, RunCancelledError } from "./errors.js";
import { ApprovalRequired } from "./approval.js";
import { resolveTemplates, type TemplateScope } from "./template.js";
import { backoffDelay, sleep } from "./timing.js";
import { NodeContextImpl } from "./node-context.js";
import { CancelScope } from "./cancel-scope.js";
import type { CompiledEdge, CompiledNode, CompiledWorkflow } from "./validate.js";
import type { EngineEvents, NodeErrorInfo, NodeResult, NodeServices, RunResult, RunStore } from "./types.js";

/** Everything one execution needs. @internal */
export interface ExecuteParams {
  workflow: CompiledWorkflow;
  runId: string;
  input: unknown;
  agentId?: string;
  /** Nodes settled by an earlier execution of the same run (resume). */
  settled: Record<string, NodeResult>;
  store: RunStore;
  services: NodeServices;
  concurrency: number;
  random: () => number;
  signal?: AbortSignal;
  deadlineMs?: number;
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
const ONE_ATTEMPT = { maxAttempts: 1 } as const;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/**
 * Runs the graph: a node starts once every predecessor settled; nodes with no taken incoming edge are skipped,
 * which propagates; at most `concurrency` async nodes are in flight, while synchronous ones settle in the loop.
 * @internal
 */
export function executeWorkflow(params: ExecuteParams): Promise<RunResult> {
  const { workflow, services, store, runId, emit } = params;
  const clock = services.clock;
  const started = clock.now();
  // Node ids cannot be "__proto__" (see the definition schema), so a plain object is safe and is returned as is.
  const results: Record<string, NodeResult> = {};
  // Unsettled predecessors per node, by CompiledNode.index.
  const waiting = new Int32Array(workflow.nodes.length);
  const ready: CompiledNode[] = [];
  const cancel = new CancelScope();
  const writes: Promise<void>[] = [];
  // Nodes settling within the same millisecond share one ISO string instead of formatting a Date each.
  let isoMs = Number.NaN;
  let isoText = "";
  const isoNow = () => {
    const ms = clock.now();
    if (ms !== isoMs) {
      isoMs = ms;
      isoText = new Date(ms).toISOString();
    }
    return isoText;
  };
  let readyAt = 0;
  let running = 0;
  let halted = false;
  let failure: NodeErrorInfo | undefined;
  let status: RunResult["status"] = "success";
  let pendingApproval: RunResult["pendingApproval"];
  let finish!: (result: RunResult) => void;
  const done = new Promise<RunResult>((resolve) => (finish = resolve));

  const onAbort = () => cancel.abort(new RunCancelledError({ reason: "aborted" }));
  if (params.signal) {
    if (params.signal.aborted) onAbort();
    else params.signal.addEventListener("abort", onAbort, { once: true });
  }
  const deadline =
    params.deadlineMs === undefined
      ? undefined
      : clock.setTimeout(() => cancel.abort(new RunCancelledError({ reason: "deadline" })), params.deadlineMs);

  const resumed = Object.keys(params.settled).length > 0;
  for (const id in params.settled) results[id] = params.settled[id] as NodeResult;
  for (const node of workflow.nodes) {
    if (resumed && Object.hasOwn(results, node.def.id)) continue;
    const open = resumed ? node.incoming.filter((edge) => !Object.hasOwn(results, edge.from.def.id)).length : node.incoming.length;
    waiting[node.index] = open;
    if (open === 0) ready.push(node);
  }

  const halt = (runStatus: RunResult["status"], error?: NodeErrorInfo) => {
    if (halted) return;
    halted = true;
    status = runStatus;
    failure = error;
  };

  const settle = (node: CompiledNode, result: NodeResult) => {
    results[node.def.id] = result;
    emit?.("node:finish", { runId, nodeId: node.def.id, type: node.def.type, result });
    if (result.status === "failed" && !node.handlesErrors) halt("failed", result.error);
    for (const edge of node.outgoing) {
      const left = (waiting[edge.to.index] as number) - 1;
      waiting[edge.to.index] = left;
      if (left === 0) ready.push(edge.to);
    }
  };

  const complete = async () => {
    if (deadline !== undefined) clock.clearTimeout(deadline);
    params.signal?.removeEventListener("abort", onAbort);
    if (writes.length > 0) await Promise.all(writes);
    const outputs: Record<string, unknown> = {};
    for (const node of workflow.sinks) {
      const result = results[node.def.id];
      if (result?.status === "success") outputs[node.def.id] = result.output;
    }
    await store.setRunStatus(runId, status, failure);
    const result: RunResult = { runId, workflowId: workflow.def.id, status, nodes: results, outputs, durationMs: clock.now() - started };
    if (failure) result.error = failure;
    if (pendingApproval) result.pendingApproval = pendingApproval;
    emit?.("run:finish", { result });
    return result;
  };

  const pump = () => {
    while (readyAt < ready.length && running < params.concurrency && !halted) {
      if (cancel.aborted) {
        halt("cancelled", errorInfo(cancel.reason as AtomError));
        break;
      }
      const node = ready[readyAt++] as CompiledNode;
      const live = liveEdges(node);
      if (node.incoming.length > 0 && live.length === 0) {
        const skipped: NodeResult = { status: "skipped", attempts: 0, finishedAt: isoNow() };
        const write = store.saveNodeResult(runId, node.def.id, skipped);
        if (isThenable(write)) writes.push(Promise.resolve(write));
        settle(node, skipped);
        continue;
      }
      // A node whose execute and store write both return synchronously settles here, without a microtask turn.
      const pending = startNode(node, live);
      if (pending === undefined) continue;
      running++;
      pending.then(nodeDone, nodeCrashed);
    }
    if (running === 0 && (halted || readyAt >= ready.length)) void complete().then(finish);
  };
  const nodeDone = () => {
    running--;
    pump();
  };
  const nodeCrashed = (error: unknown) => {
    running--;
    halt("failed", errorInfo(toAtomError(error)));
    pump();
  };

  const liveEdges = (node: CompiledNode): readonly CompiledEdge[] => {
    const { incoming } = node;
    if (incoming.length === 0) return NO_EDGES;
    if (incoming.length === 1) {
      const edge = incoming[0] as CompiledEdge;
      return edgeTaken(edge, results[edge.from.def.id] as NodeResult) ? edge.alone : NO_EDGES;
    }
    return incoming.filter((edge) => edgeTaken(edge, results[edge.from.def.id] as NodeResult));
  };

  const nodeInput = (node: CompiledNode, live: readonly CompiledEdge[]): unknown => {
    if (node.incoming.length === 0) return params.input;
    const valueOf = (edge: CompiledEdge) => {
      const result = results[edge.from.def.id] as NodeResult;
      return result.status === "failed" ? result.error : result.output;
    };
    if (live.length === 1) return valueOf(live[0] as CompiledEdge);
    const merged: Record<string, unknown> = {};
    for (const edge of live) merged[edge.from.def.id] = valueOf(edge);
    return merged;
  };

  const scopeOf = (input: unknown, item?: unknown): TemplateScope =>
    item === undefined ? { input, runInput: params.input, nodes: results } : { input, runInput: params.input, nodes: results, item };

  const attempt = (node: CompiledNode, input: unknown, predecessors: readonly string[], attemptNo: number): unknown => {
    if (node.def.timeoutMs === undefined) return runAttempt(node, input, predecessors, attemptNo, cancel, undefined);
    // A timed attempt runs in a child scope, aborted by the run's cancellation or by its own timer.
    const timeoutMs = node.def.timeoutMs;
    const local = new CancelScope();
    const forward = (reason: unknown) => local.abort(reason);
    cancel.onAbort(forward);
    const timer = clock.setTimeout(() => local.abort(new NodeTimeoutError({ nodeId: node.def.id, timeoutMs })), timeoutMs);
    const cleanup = () => {
      clock.clearTimeout(timer);
      cancel.offAbort(forward);
    };
    return runAttempt(node, input, predecessors, attemptNo, local, cleanup);
  };

  const runAttempt = (
    node: CompiledNode,
    input: unknown,
    predecessors: readonly string[],
    attemptNo: number,
    scope: CancelScope,
    cleanup: (() => void) | undefined,
  ): unknown => {
    let value: unknown;
    try {
      const config = node.hasTemplates && !node.type.resolvesTemplates ? resolveConfig(node, scopeOf(input)) : node.parsedConfig;
      const ctx = new NodeContextImpl(config, input, predecessors, node.def, runId, params.agentId, attemptNo, scope, services, scopeOf);
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
  };

  const succeeded = (value: unknown, attempts: number, startedAt: string): NodeResult =>
    isBranchOutput(value)
      ? { status: "success", output: value.output, branch: value.branch, attempts, startedAt, finishedAt: isoNow() }
      : { status: "success", output: value, attempts, startedAt, finishedAt: isoNow() };

  /** Writes a settled node and settles it: synchronously when the store allows, else through the returned promise. */
  const record = (node: CompiledNode, result: NodeResult): Promise<void> | undefined => {
    const write = store.saveNodeResult(runId, node.def.id, result);
    if (!isThenable(write)) {
      settle(node, result);
      return undefined;
    }
    return Promise.resolve(write).then(() => settle(node, result));
  };

  /** Runs a node's first attempt; returns `undefined` when it settled synchronously. */
  const startNode = (node: CompiledNode, live: readonly CompiledEdge[]): Promise<void> | undefined => {
    emit?.("node:start", { runId, nodeId: node.def.id, type: node.def.type });
    const startedAt = isoNow();
    const input = nodeInput(node, live);
    const predecessors = live.length === 1 ? (live[0] as CompiledEdge).sources : [...new Set(live.map((edge) => edge.from.def.id))];
    let value: unknown;
    try {
      value = attempt(node, input, predecessors, 1);
    } catch (thrown) {
      return finishNode(node, input, predecessors, startedAt, Promise.reject(thrown));
    }
    if (isThenable(value)) return finishNode(node, input, predecessors, startedAt, value);
    return record(node, succeeded(value, 1, startedAt));
  };

  /** Awaits an attempt that did not settle synchronously, retrying as the node's policy allows. */
  const finishNode = async (
    node: CompiledNode,
    input: unknown,
    predecessors: readonly string[],
    startedAt: string,
    first: PromiseLike<unknown>,
  ): Promise<void> => {
    const policy = node.def.retry ?? ONE_ATTEMPT;
    let pending = first;
    let result: NodeResult | undefined;
    for (let attemptNo = 1; result === undefined; attemptNo++) {
      try {
        result = succeeded(await pending, attemptNo, startedAt);
      } catch (thrown) {
        if (thrown instanceof ApprovalRequired) {
          pendingApproval = { nodeId: node.def.id, action: thrown.action, reason: thrown.reason };
          halt("paused");
          return;
        }
        if (cancel.aborted) {
          halt("cancelled", errorInfo(cancel.reason as AtomError));
          return;
        }
        const error = toAtomError(thrown);
        if (attemptNo < policy.maxAttempts && retryable(error)) {
          const retryAfterMs = error.details.retryAfterMs as number | undefined;
          try {
            await sleep(backoffDelay(policy, attemptNo, params.random, retryAfterMs), cancel.signal, clock);
          } catch {
            halt("cancelled", errorInfo(cancel.reason as AtomError));
            return;
          }
          pending = attemptAsync(node, input, predecessors, attemptNo + 1);
          continue;
        }
        result = { status: "failed", error: errorInfo(error), attempts: attemptNo, startedAt, finishedAt: isoNow() };
      }
    }
    await record(node, result);
  };

  const attemptAsync = async (node: CompiledNode, input: unknown, predecessors: readonly string[], attemptNo: number) =>
    attempt(node, input, predecessors, attemptNo);

  pump();
  return done;
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
