import { type AtomError, toAtomError, ValidationError } from "@atom/errors";
import { isBranchOutput } from "./define-node.js";
import { NodeTimeoutError, RunCancelledError } from "./errors.js";
import { ApprovalRequired } from "./approval.js";
import { resolveTemplates, type TemplateScope } from "./template.js";
import { backoffDelay, sleep } from "./timing.js";
import { NodeContextImpl } from "./node-context.js";
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/**
 * Runs the graph: a node starts once every predecessor settled; nodes with no taken incoming edge are skipped,
 * which propagates; at most `concurrency` nodes run at once.
 * @internal
 */
export function executeWorkflow(params: ExecuteParams): Promise<RunResult> {
  const { workflow, services, store, runId, emit } = params;
  const clock = services.clock;
  const started = clock.now();
  const results: Record<string, NodeResult> = Object.create(null);
  const waiting = new Map<CompiledNode, number>();
  const ready: CompiledNode[] = [];
  const controller = new AbortController();
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

  // Nodes awaiting an async result are raced against the run's abort through this set rather than one abort
  // listener each: on Node 20 every addEventListener on an AbortSignal costs microseconds.
  const inflight = new Set<(reason: unknown) => void>();
  const abortRun = (reason: unknown) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    for (const reject of inflight) reject(reason);
    inflight.clear();
  };
  const raceAbort = (value: PromiseLike<unknown>): Promise<unknown> => {
    if (controller.signal.aborted) return Promise.reject(controller.signal.reason);
    return new Promise((resolve, reject) => {
      inflight.add(reject);
      value.then(
        (result) => {
          inflight.delete(reject);
          resolve(result);
        },
        (error: unknown) => {
          inflight.delete(reject);
          reject(error);
        },
      );
    });
  };
  const onAbort = () => abortRun(new RunCancelledError({ reason: "aborted" }));
  if (params.signal) {
    if (params.signal.aborted) onAbort();
    else params.signal.addEventListener("abort", onAbort, { once: true });
  }
  const deadline =
    params.deadlineMs === undefined
      ? undefined
      : clock.setTimeout(() => abortRun(new RunCancelledError({ reason: "deadline" })), params.deadlineMs);

  for (const [id, result] of Object.entries(params.settled)) results[id] = result;
  for (const node of workflow.nodes) {
    if (node.def.id in results) continue;
    const open = node.incoming.filter((edge) => !(edge.from.def.id in results)).length;
    waiting.set(node, open);
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
      const left = (waiting.get(edge.to) ?? 1) - 1;
      waiting.set(edge.to, left);
      if (left === 0) ready.push(edge.to);
    }
  };

  const complete = async () => {
    if (deadline !== undefined) clock.clearTimeout(deadline);
    params.signal?.removeEventListener("abort", onAbort);
    await Promise.all(writes);
    const outputs: Record<string, unknown> = {};
    const nodes: Record<string, NodeResult> = {};
    for (const node of workflow.nodes) {
      const result = results[node.def.id];
      if (result) nodes[node.def.id] = result;
      if (node.outgoing.length === 0 && result?.status === "success") outputs[node.def.id] = result.output;
    }
    await store.setRunStatus(runId, status, failure);
    const result: RunResult = {
      runId,
      workflowId: workflow.def.id,
      status,
      nodes,
      outputs,
      ...(failure ? { error: failure } : {}),
      ...(pendingApproval ? { pendingApproval } : {}),
      durationMs: clock.now() - started,
    };
    emit?.("run:finish", { result });
    return result;
  };

  const pump = () => {
    while (readyAt < ready.length && running < params.concurrency && !halted) {
      if (controller.signal.aborted) {
        halt("cancelled", errorInfo(controller.signal.reason as AtomError));
        break;
      }
      const node = ready[readyAt++] as CompiledNode;
      const live = node.incoming.filter((edge) => edgeTaken(edge, results[edge.from.def.id] as NodeResult));
      if (node.incoming.length > 0 && live.length === 0) {
        const skipped: NodeResult = { status: "skipped", attempts: 0, finishedAt: isoNow() };
        writes.push(store.saveNodeResult(runId, node.def.id, skipped));
        settle(node, skipped);
        continue;
      }
      running++;
      void runNode(node, live).then(
        () => {
          running--;
          pump();
        },
        (error: unknown) => {
          running--;
          halt("failed", errorInfo(toAtomError(error)));
          pump();
        },
      );
    }
    if (running === 0 && (halted || readyAt >= ready.length)) void complete().then(finish);
  };

  const nodeInput = (node: CompiledNode, live: CompiledEdge[]): unknown => {
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

  const attempt = (node: CompiledNode, input: unknown, predecessors: string[], attemptNo: number): unknown => {
    const scope: TemplateScope = { input, runInput: params.input, nodes: results };
    let signal = controller.signal;
    let timer: unknown;
    let timeout: Promise<never> | undefined;
    if (node.def.timeoutMs !== undefined) {
      const timeoutMs = node.def.timeoutMs;
      const local = new AbortController();
      const forward = () => local.abort(controller.signal.reason);
      controller.signal.addEventListener("abort", forward, { once: true });
      timeout = new Promise<never>((_, reject) => {
        timer = clock.setTimeout(() => {
          const error = new NodeTimeoutError({ nodeId: node.def.id, timeoutMs });
          local.abort(error);
          reject(error);
        }, timeoutMs);
        local.signal.addEventListener("abort", () => reject(local.signal.reason), { once: true });
      });
      timeout.catch(() => undefined);
      signal = local.signal;
      const cleanup = () => {
        clock.clearTimeout(timer);
        controller.signal.removeEventListener("abort", forward);
      };
      return runAttempt(node, scope, input, predecessors, attemptNo, signal, timeout, cleanup);
    }
    return runAttempt(node, scope, input, predecessors, attemptNo, signal, undefined, undefined);
  };

  const runAttempt = (
    node: CompiledNode,
    scope: TemplateScope,
    input: unknown,
    predecessors: string[],
    attemptNo: number,
    signal: AbortSignal,
    timeout: Promise<never> | undefined,
    cleanup: (() => void) | undefined,
  ): unknown => {
    let value: unknown;
    try {
      const config = resolveConfig(node, scope);
      const ctx = new NodeContextImpl(
        config,
        input,
        predecessors,
        node.def,
        runId,
        params.agentId,
        attemptNo,
        signal,
        services,
        scope,
      );
      value = node.type.execute(ctx);
    } catch (error) {
      cleanup?.();
      throw error;
    }
    if (!isThenable(value)) {
      cleanup?.();
      return value;
    }
    if (timeout) return Promise.race([value, timeout]).finally(cleanup);
    return raceAbort(value);
  };

  const runNode = async (node: CompiledNode, live: CompiledEdge[]): Promise<void> => {
    const id = node.def.id;
    emit?.("node:start", { runId, nodeId: id, type: node.def.type });
    const startedAt = isoNow();
    const input = nodeInput(node, live);
    const predecessors = live.length === 1 ? [(live[0] as CompiledEdge).from.def.id] : [...new Set(live.map((edge) => edge.from.def.id))];
    const policy = node.def.retry ?? { maxAttempts: 1 };
    let result: NodeResult | undefined;
    for (let attemptNo = 1; result === undefined; attemptNo++) {
      try {
        let value = attempt(node, input, predecessors, attemptNo);
        if (isThenable(value)) value = await value;
        const branched = isBranchOutput(value) ? value : undefined;
        result = {
          status: "success",
          output: branched ? branched.output : value,
          ...(branched ? { branch: branched.branch } : {}),
          attempts: attemptNo,
          startedAt,
          finishedAt: isoNow(),
        };
      } catch (thrown) {
        if (thrown instanceof ApprovalRequired) {
          pendingApproval = { nodeId: id, action: thrown.action, reason: thrown.reason };
          halt("paused");
          return;
        }
        if (controller.signal.aborted) {
          halt("cancelled", errorInfo(controller.signal.reason as AtomError));
          return;
        }
        const error = toAtomError(thrown);
        if (attemptNo < policy.maxAttempts && retryable(error)) {
          const retryAfterMs = error.details.retryAfterMs as number | undefined;
          try {
            await sleep(backoffDelay(policy, attemptNo, params.random, retryAfterMs), controller.signal, clock);
          } catch {
            halt("cancelled", errorInfo(controller.signal.reason as AtomError));
            return;
          }
          continue;
        }
        result = {
          status: "failed",
          error: errorInfo(error),
          attempts: attemptNo,
          startedAt,
          finishedAt: isoNow(),
        };
      }
    }
    await store.saveNodeResult(runId, id, result);
    settle(node, result);
  };

  pump();
  return done;
}


function resolveConfig(node: CompiledNode, scope: TemplateScope): unknown {
  if (!node.hasTemplates || node.type.resolvesTemplates) return node.parsedConfig;
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
