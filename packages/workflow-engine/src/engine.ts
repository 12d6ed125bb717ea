import { randomUUID } from "node:crypto";
import { parseInput } from "@atom/errors";
import { z } from "zod";
import { gmailSend } from "./actions/gmail.js";
import { createActionRegistry } from "./actions/registry.js";
import { slackPostMessage } from "./actions/slack.js";
import { durationSchema } from "./duration.js";
import { RunNotFoundError, RunNotResumableError, WorkflowInvalidError } from "./errors.js";
import { executeWorkflow, type ExecuteParams } from "./executor.js";
import { createHttpClient } from "./http/client.js";
import type { HttpClient } from "./http/types.js";
import { memoryRunStore } from "./memory-store.js";
import { actionNode } from "./nodes/action.js";
import { conditionNode } from "./nodes/condition.js";
import { delayNode } from "./nodes/delay.js";
import { httpRequestNode } from "./nodes/http-request.js";
import { transformNode } from "./nodes/transform.js";
import { isThenable } from "./thenable.js";
import { systemClock } from "./timing.js";
import { traceNodes, type TracerLike } from "./tracing.js";
import type {
  ActionDefinition,
  Clock,
  CredentialsProvider,
  EngineEvents,
  GovernanceChecker,
  NodeServices,
  NodeType,
  RunResult,
  RunStore,
  StoredRun,
} from "./types.js";
import { type CompiledWorkflow, compileWorkflow, type ValidationResult } from "./validate.js";

/** Options of {@link createWorkflowEngine}. */
export interface WorkflowEngineOptions {
  /** Custom node types (made with `defineNode`); a type named like a built-in replaces it. */
  nodes?: NodeType[];
  /** Shared HTTP client. @default createHttpClient() (SSRF guard on); closed by `engine.close()` */
  http?: HttpClient;
  /** Where runs are recorded. @default memoryRunStore() */
  store?: RunStore;
  /** Token source for `http_request` `auth` and actions. */
  credentials?: CredentialsProvider;
  /** Governance for `action` nodes (structural; `@atom/governance` fits). */
  governance?: GovernanceChecker;
  /** Clock for delays, backoff, timeouts and timestamps. @default the system clock */
  clock?: Clock;
  /** Random source in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
  /** Nodes running at once per run. @default 16 */
  concurrency?: number;
  /** Upper bound of a `delay` node, in ms. @default 86400000 (24 h) */
  maxDelayMs?: number;
  /** Slack Web API base for `slack.post_message`. @default "https://slack.com/api" */
  slackBaseUrl?: string;
  /** Gmail API base for `gmail.send`. @default "https://gmail.googleapis.com" */
  gmailBaseUrl?: string;
  /** Generates run ids. @default crypto.randomUUID */
  generateId?: () => string;
  /** OpenTelemetry tracer (`trace.getTracer("workflows")` from `@opentelemetry/api`): one span per node. */
  tracer?: TracerLike;
}

/** Options of one run. */
export interface RunOptions {
  /** Run id (to make `run` idempotent on your side). @default generated */
  runId?: string;
  /** The agent the run acts for; governance checks actions against it. */
  agentId?: string;
  /** Cancels the run: in-flight HTTP requests and delays abort, the run ends `cancelled` (resumable). */
  signal?: AbortSignal;
  /** Whole-run deadline in ms; when it passes the run is cancelled with reason `deadline`. */
  deadlineMs?: number;
}

/** Options of `resume`. */
export type ResumeOptions = Omit<RunOptions, "runId" | "agentId">;

/** A workflow engine. */
export interface WorkflowEngine {
  /** Lists every problem of a definition at once; never throws. */
  validate(definition: unknown): ValidationResult;
  /**
   * Runs a workflow to completion (or cancellation/pause). Node failures are reported in the result, not thrown.
   * @throws WorkflowInvalidError (`WORKFLOW_INVALID`, 400) when the definition has problems; nothing is run.
   */
  run(definition: unknown, input?: unknown, options?: RunOptions): Promise<RunResult>;
  /**
   * Continues a `cancelled`, `paused` or interrupted (`running`) run from its store without re-running settled nodes.
   * @throws RunNotFoundError (`WORKFLOW_RUN_NOT_FOUND`, 404) for an unknown id.
   * @throws RunNotResumableError (`WORKFLOW_RUN_NOT_RESUMABLE`, 409) when it already succeeded or failed.
   */
  resume(runId: string, options?: ResumeOptions): Promise<RunResult>;
  /** Adds (or replaces) an action for `action` nodes. */
  registerAction<I>(name: string, action: ActionDefinition<I>): void;
  /** Subscribes to an event; returns the unsubscribe function. Listener errors are ignored. */
  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
  /** The HTTP client nodes use. */
  readonly http: HttpClient;
  /** Closes the HTTP client when the engine created it. */
  close(): Promise<void>;
}

const optionsSchema = z.object({
  nodes: z.array(z.object({ type: z.string().min(1), config: z.unknown(), execute: z.unknown() })).optional(),
  http: z.object({ request: z.unknown(), close: z.unknown() }).optional(),
  store: z.object({ createRun: z.unknown(), getRun: z.unknown(), saveNodeResult: z.unknown(), setRunStatus: z.unknown() }).optional(),
  credentials: z.unknown().optional(),
  governance: z.object({ check: z.unknown() }).optional(),
  clock: z.object({ now: z.unknown(), setTimeout: z.unknown(), clearTimeout: z.unknown() }).optional(),
  random: z.unknown().optional(),
  concurrency: z.number().int().min(1).max(10_000).optional(),
  maxDelayMs: durationSchema.optional(),
  slackBaseUrl: z.url().optional(),
  gmailBaseUrl: z.url().optional(),
  generateId: z.unknown().optional(),
  tracer: z.object({ startSpan: z.unknown() }).optional(),
});

const NO_OPTIONS: RunOptions = Object.freeze({});

/** True for a plain object without own keys: the usual `run` options, which need no parse. */
function isEmpty(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

const runOptionsSchema = z.object({
  runId: z.string().min(1).max(200).optional(),
  agentId: z.string().min(1).optional(),
  signal: z.instanceof(AbortSignal).optional(),
  deadlineMs: durationSchema.min(1).optional(),
});

/**
 * Creates a workflow engine with the built-in node types (`condition`, `delay`, `http_request`, `transform`,
 * `action`) and actions (`slack.post_message`, `gmail.send`).
 *
 * @example
 * ```ts
 * const engine = createWorkflowEngine({ credentials: (provider) => tokens.get(provider) });
 * const result = await engine.run(workflow, { user: { age: 30 } });
 * ```
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options.
 */
export function createWorkflowEngine(options: WorkflowEngineOptions = {}): WorkflowEngine {
  parseInput(optionsSchema, options, "[@atom/workflow-engine] createWorkflowEngine");
  const actions = createActionRegistry();
  actions.register("slack.post_message", slackPostMessage(options.slackBaseUrl));
  actions.register("gmail.send", gmailSend(options.gmailBaseUrl));
  const types = new Map<string, NodeType>();
  for (const type of [conditionNode, delayNode, httpRequestNode, transformNode, actionNode(actions), ...(options.nodes ?? [])]) {
    types.set(type.type, type as NodeType);
  }
  const store = options.store ?? memoryRunStore();
  let http = options.http;
  const services: NodeServices = {
    get http() {
      http ??= createHttpClient();
      return http;
    },
    clock: options.clock ?? systemClock,
    maxDelayMs: options.maxDelayMs ?? 86_400_000,
    actions,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.governance ? { governance: options.governance } : {}),
  };
  const listeners = new Map<keyof EngineEvents, Set<(payload: never) => void>>();
  const emit = <E extends keyof EngineEvents>(event: E, payload: EngineEvents[E]) => {
    for (const listener of listeners.get(event) ?? []) {
      try {
        (listener as (payload: EngineEvents[E]) => void)(payload);
      } catch {
        // A faulty observer must not break the run.
      }
    }
  };
  const compiledCache = new WeakMap<object, CompiledWorkflow>();

  const compile = (definition: unknown): CompiledWorkflow => {
    const cached = typeof definition === "object" && definition !== null ? compiledCache.get(definition) : undefined;
    if (cached) return cached;
    const { workflow, problems } = compileWorkflow(definition, types);
    if (!workflow) {
      const id = (definition as { id?: unknown } | null)?.id;
      throw new WorkflowInvalidError({ ...(typeof id === "string" ? { workflowId: id } : {}), problems });
    }
    compiledCache.set(definition as object, workflow);
    return workflow;
  };

  const execute = (workflow: CompiledWorkflow, runId: string, input: unknown, settled: RunResult["nodes"], run: RunOptions) => {
    const params: ExecuteParams = {
      workflow,
      runId,
      input,
      settled,
      store,
      services,
      concurrency: options.concurrency ?? 16,
      random: options.random ?? Math.random,
    };
    if (run.agentId !== undefined) params.agentId = run.agentId;
    if (run.signal !== undefined) params.signal = run.signal;
    if (run.deadlineMs !== undefined) params.deadlineMs = run.deadlineMs;
    if (listeners.size > 0) params.emit = emit;
    return executeWorkflow(params);
  };

  const engine: WorkflowEngine = {
    validate(definition) {
      const { problems } = compileWorkflow(definition, types);
      return problems.length === 0 ? { ok: true, problems: [] } : { ok: false, problems };
    },
    // Not `async`: with an in-process store a run starts in this call and its first nodes run before it returns.
    run(definition, input, runOptions = {}) {
      try {
        const run = isEmpty(runOptions) ? NO_OPTIONS : (parseInput(runOptionsSchema, runOptions, "[@atom/workflow-engine] run") as RunOptions);
        const workflow = compile(definition);
        const runId = run.runId ?? (options.generateId ?? randomUUID)();
        const stored: StoredRun = { runId, workflow: workflow.def, input, status: "running", nodes: {} };
        if (run.agentId !== undefined) stored.agentId = run.agentId;
        const created = store.createRun(stored);
        if (!isThenable(created)) return execute(workflow, runId, input, {}, run);
        return Promise.resolve(created).then(() => execute(workflow, runId, input, {}, run));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async resume(runId, resumeOptions = {}) {
      const run = parseInput(runOptionsSchema, resumeOptions, "[@atom/workflow-engine] resume") as RunOptions;
      const stored = await store.getRun(runId);
      if (!stored) throw new RunNotFoundError({ runId });
      if (stored.status === "success" || stored.status === "failed") {
        throw new RunNotResumableError({ runId, status: stored.status });
      }
      const workflow = compile(stored.workflow);
      await store.setRunStatus(runId, "running");
      const agent = stored.agentId === undefined ? {} : { agentId: stored.agentId };
      return execute(workflow, runId, stored.input, stored.nodes, { ...run, ...agent });
    },
    registerAction(name, action) {
      actions.register(name, action);
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => {
        set.delete(listener as (payload: never) => void);
        if (set.size === 0) listeners.delete(event);
      };
    },
    get http() {
      return services.http;
    },
    async close() {
      if (!options.http && http) await http.close();
    },
  };
  if (options.tracer) traceNodes(options.tracer, engine.on);
  return engine;
}
