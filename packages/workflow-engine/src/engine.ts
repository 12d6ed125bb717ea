import { randomUUID } from "node:crypto";
import { isAtomError, parseInput } from "@atom/errors";
import { z } from "zod";
import { gmailSend } from "./actions/gmail.js";
import { createActionRegistry } from "./actions/registry.js";
import { slackPostMessage } from "./actions/slack.js";
import { credentialHostsSchema } from "./credential-hosts.js";
import { storedIdSchema } from "./definition.js";
import { durationSchema, MAX_TIMER_MS } from "./duration.js";
import { RunNotFoundError, RunNotResumableError, RunOwnedError, WorkflowInvalidError } from "./errors.js";
import { executeWorkflow, type ExecuteParams } from "./executor.js";
import { createHttpClient } from "./http/client.js";
import { urlProblem } from "./http/request-shape.js";
import type { HttpClient } from "./http/types.js";
import { jsonShapeProblem } from "./json-limits.js";
import { randomRunId } from "./run-id.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { memoryRunStore } from "./memory-store.js";
import { actionNode } from "./nodes/action.js";
import { conditionNode } from "./nodes/condition.js";
import { delayNode } from "./nodes/delay.js";
import { httpRequestNode } from "./nodes/http-request.js";
import { transformNode } from "./nodes/transform.js";
import { isThenable } from "./thenable.js";
import { systemClock } from "./timing.js";
import { traceNodes, type TracerLike } from "./tracing.js";
import { ENGINE_INTERNALS, type EngineInternals } from "./internals.js";
import type {
  ActionDefinition,
  Clock,
  CredentialsProvider,
  EngineEvents,
  GovernanceChecker,
  NodeResult,
  NodeServices,
  NodeType,
  RunLease,
  RunResult,
  RunStore,
  StaleRun,
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
  /**
   * The hosts each provider's token may be sent to by `http_request` `auth`, e.g. `{ crm: ["crm.example.com"] }`
   * (case-insensitive; `*.example.com` matches its subdomains, not `example.com` itself). A workflow definition names
   * its URLs, so without this list any definition could send a token anywhere: a provider not listed here sends to
   * no host (`CREDENTIALS_HOST_NOT_ALLOWED`). Actions (`slack.post_message`, `gmail.send`) send to their own API
   * base URLs only and are not limited by it.
   * @default {} (no host for any provider)
   */
  credentialHosts?: Record<string, string[]>;
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
  /** Generates run ids. @default a random (version 4) UUID, as `crypto.randomUUID` makes */
  generateId?: () => string;
  /** OpenTelemetry tracer (`trace.getTracer("workflows")` from `@opentelemetry/api`): one span per node. */
  tracer?: TracerLike;
  /** This engine's identity in run leases; give each process (or engine) its own. @default a random UUID */
  ownerId?: string;
  /**
   * How long a run's lease lasts without a heartbeat, in ms: after a crash, the run becomes stale (and another
   * engine may take it over) this long after the last heartbeat. @default 30000
   */
  leaseMs?: number;
  /** How often an executing run's lease is renewed, in ms; must be below `leaseMs`. @default leaseMs / 3 */
  heartbeatMs?: number;
}

/** A stale run that {@link WorkflowEngine.recoverStale} took over. */
export interface RecoveredRun {
  /** Run id. */
  runId: string;
  /** Settles as `resume` does; a rejection is already handled, so ignoring it does not crash the process. */
  result: Promise<RunResult>;
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
export interface ResumeOptions extends Omit<RunOptions, "runId" | "agentId"> {
  /**
   * Approval ids by node id, passed to governance as `approvalId` when that action node runs: after a run paused on
   * `pendingApproval` and a person approved the proposal, resume with `{ [pendingApproval.nodeId]: proposalId }`.
   */
  approvals?: Record<string, string>;
}

/** A workflow engine. */
export interface WorkflowEngine {
  /** Lists every problem of a definition at once; never throws. */
  validate(definition: unknown): ValidationResult;
  /**
   * Runs a workflow to completion (or cancellation/pause). Node failures are reported in the result, not thrown.
   * @throws WorkflowInvalidError (`WORKFLOW_INVALID`, 400) when the definition has problems, or the input nests
   * deeper than `MAX_JSON_DEPTH` or holds more than `MAX_JSON_VALUES` values (`field` names the path); nothing is run.
   * @throws RunExistsError (`WORKFLOW_RUN_EXISTS`, 409) when `runId` names a run the store holds; nothing is run.
   * @throws RunOwnedError (`WORKFLOW_RUN_OWNED`, 409, reason `lease_lost`) when another engine took the run over
   * after this engine's lease expired; this engine stopped the run and wrote nothing more.
   */
  run(definition: unknown, input?: unknown, options?: RunOptions): Promise<RunResult>;
  /**
   * Continues a `cancelled`, `paused` or interrupted (`running`) run from its store without re-running settled nodes.
   * @throws RunNotFoundError (`WORKFLOW_RUN_NOT_FOUND`, 404) for an unknown id.
   * @throws RunNotResumableError (`WORKFLOW_RUN_NOT_RESUMABLE`, 409) when it already succeeded or failed.
   * @throws RunOwnedError (`WORKFLOW_RUN_OWNED`, 409, reason `leased`) while another engine's lease on it is live.
   */
  resume(runId: string, options?: ResumeOptions): Promise<RunResult>;
  /**
   * Runs whose engine stopped renewing their lease (crashed or cut off): status `running`, lease expired.
   * @param options.limit at most this many, oldest lease first. @default 100
   */
  listStaleRuns(options?: { limit?: number }): Promise<StaleRun[]>;
  /**
   * Takes over stale runs and resumes them on this engine. Each is acquired by compare-and-set, so of several
   * engines recovering at once exactly one resumes a given run; runs another engine took first are left out.
   * Resolves once the leases are taken, not when the runs finish (a run may wait on a long delay).
   * @param options.limit at most this many. @default 100
   */
  recoverStale(options?: { limit?: number }): Promise<RecoveredRun[]>;
  /** Adds (or replaces) an action for `action` nodes. */
  registerAction<I>(name: string, action: ActionDefinition<I>): void;
  /** Subscribes to an event; returns the unsubscribe function. Listener errors are ignored. */
  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
  /** The HTTP client nodes use. */
  readonly http: HttpClient;
  /** Closes the HTTP client when the engine created it. */
  close(): Promise<void>;
}

// A base URL's credentials would never be sent (see `urlProblem`); refusing them here fails at start-up, not per run.
const baseUrlSchema = z.url().refine((url) => urlProblem(url) === undefined, { message: "must be an http(s) URL without credentials" });

const optionsSchema = z.object({
  nodes: z.array(z.object({ type: z.string().min(1), config: z.unknown(), execute: z.unknown() })).optional(),
  http: z.object({ request: z.unknown(), close: z.unknown() }).optional(),
  store: z
    .object({
      createRun: z.unknown(),
      getRun: z.unknown(),
      acquireRun: z.unknown(),
      renewLease: z.unknown(),
      saveNodeResult: z.unknown(),
      setRunStatus: z.unknown(),
      listStaleRuns: z.unknown(),
    })
    .optional(),
  credentials: z.unknown().optional(),
  credentialHosts: credentialHostsSchema.optional(),
  governance: z.object({ check: z.unknown() }).optional(),
  clock: z.object({ now: z.unknown(), setTimeout: z.unknown(), clearTimeout: z.unknown() }).optional(),
  random: z.unknown().optional(),
  concurrency: z.number().int().min(1).max(10_000).optional(),
  maxDelayMs: durationSchema.optional(),
  slackBaseUrl: baseUrlSchema.optional(),
  gmailBaseUrl: baseUrlSchema.optional(),
  generateId: z.unknown().optional(),
  tracer: z.object({ startSpan: z.unknown() }).optional(),
  ownerId: storedIdSchema.optional(),
  leaseMs: z.number().int().min(1000).max(MAX_TIMER_MS).optional(),
  heartbeatMs: z.number().int().min(100).max(MAX_TIMER_MS).optional(),
}).refine((o) => o.heartbeatMs === undefined || o.heartbeatMs < (o.leaseMs ?? 30_000), {
  path: ["heartbeatMs"],
  message: "must be below leaseMs",
});

const GONE = ["WORKFLOW_RUN_OWNED", "WORKFLOW_RUN_NOT_RESUMABLE", "WORKFLOW_RUN_NOT_FOUND"] as const;

const limitSchema = z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict();

const NO_OPTIONS: RunOptions = Object.freeze({});
// The settled nodes of a new run: none. Only read (`executeWorkflow` copies them into its own results).
const NO_RESULTS: Record<string, NodeResult> = Object.freeze({}) as Record<string, NodeResult>;

/** True for `undefined` or a plain object without own keys: the usual `run` options, which need no parse. */
function isEmpty(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

const runOptionsSchema = z.object({
  runId: storedIdSchema.optional(),
  agentId: storedIdSchema.optional(),
  signal: z.instanceof(AbortSignal).optional(),
  deadlineMs: durationSchema.min(1).optional(),
});

const runIdArgument = z.object({ runId: storedIdSchema });

const resumeOptionsSchema = runOptionsSchema.omit({ runId: true, agentId: true }).extend({
  approvals: z.record(z.string().min(1).max(200), z.string().min(1).max(256)).optional(),
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
  const { credentialHosts } = parseInput(optionsSchema, options, "[@atom/workflow-engine] createWorkflowEngine");
  const actions = createActionRegistry();
  actions.register("slack.post_message", slackPostMessage(options.slackBaseUrl));
  actions.register("gmail.send", gmailSend(options.gmailBaseUrl));
  const types = new Map<string, NodeType>();
  for (const type of [conditionNode, delayNode, httpRequestNode, transformNode, actionNode(actions), ...(options.nodes ?? [])]) {
    types.set(type.type, type as NodeType);
  }
  const store = options.store ?? memoryRunStore();
  const leaseMs = options.leaseMs ?? 30_000;
  const lease: RunLease = { owner: options.ownerId ?? randomUUID(), ttlMs: leaseMs };
  const keeper = new LeaseKeeper(options.clock ?? systemClock, options.heartbeatMs ?? Math.floor(leaseMs / 3));
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
    ...(credentialHosts ? { credentialHosts } : {}),
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

  const execute = (workflow: CompiledWorkflow, runId: string, input: unknown, settled: RunResult["nodes"], run: ResumeOptions & RunOptions) => {
    const params: ExecuteParams = {
      workflow,
      runId,
      input,
      settled,
      store,
      lease,
      keeper,
      services,
      concurrency: options.concurrency ?? 16,
      random: options.random ?? Math.random,
    };
    if (run.agentId !== undefined) params.agentId = run.agentId;
    if (run.signal !== undefined) params.signal = run.signal;
    if (run.deadlineMs !== undefined) params.deadlineMs = run.deadlineMs;
    if (run.approvals !== undefined) params.approvals = run.approvals;
    if (listeners.size > 0) params.emit = emit;
    return executeWorkflow(params);
  };

  /** Takes the run's lease (compare-and-set) and returns what `execute` needs, or throws the typed refusal. */
  const acquire = async (runId: string): Promise<{ workflow: CompiledWorkflow; stored: StoredRun }> => {
    const found = await store.acquireRun(runId, lease);
    if (found.outcome === "not_found") throw new RunNotFoundError({ runId });
    if (found.outcome === "finished") throw new RunNotResumableError({ runId, status: found.status });
    if (found.outcome === "leased") throw new RunOwnedError({ runId, reason: "leased", leaseExpiresAt: found.leaseExpiresAt });
    return { workflow: compile(found.run.workflow), stored: found.run };
  };
  const continueRun = ({ workflow, stored }: { workflow: CompiledWorkflow; stored: StoredRun }, run: ResumeOptions & RunOptions) =>
    execute(workflow, stored.runId, stored.input, stored.nodes, stored.agentId === undefined ? run : { ...run, agentId: stored.agentId });

  const engine: WorkflowEngine = {
    validate(definition) {
      const { problems } = compileWorkflow(definition, types);
      return problems.length === 0 ? { ok: true, problems: [] } : { ok: false, problems };
    },
    // Not `async`: with an in-process store a run starts in this call and its first nodes run before it returns.
    run(definition, input, runOptions) {
      try {
        const run = isEmpty(runOptions) ? NO_OPTIONS : (parseInput(runOptionsSchema, runOptions, "[@atom/workflow-engine] run") as RunOptions);
        const workflow = compile(definition);
        const deep = jsonShapeProblem(input);
        if (deep) {
          const field = ["input", ...deep.path].join(".");
          throw new WorkflowInvalidError({ workflowId: workflow.def.id, problems: [{ field, message: deep.message }] });
        }
        const runId = run.runId ?? (options.generateId ?? randomRunId)();
        const stored: StoredRun = { runId, workflow: workflow.def, input, status: "running", nodes: {} };
        if (run.agentId !== undefined) stored.agentId = run.agentId;
        const created = store.createRun(stored, lease);
        if (!isThenable(created)) return execute(workflow, runId, input, NO_RESULTS, run);
        return Promise.resolve(created).then(() => execute(workflow, runId, input, NO_RESULTS, run));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async resume(runId, resumeOptions = {}) {
      parseInput(runIdArgument, { runId }, "[@atom/workflow-engine] resume");
      const run = parseInput(resumeOptionsSchema, resumeOptions, "[@atom/workflow-engine] resume") as ResumeOptions;
      return continueRun(await acquire(runId), run);
    },
    async listStaleRuns(listOptions = {}) {
      const { limit = 100 } = parseInput(limitSchema, listOptions, "[@atom/workflow-engine] listStaleRuns");
      return store.listStaleRuns({ limit });
    },
    async recoverStale(recoverOptions = {}) {
      const { limit = 100 } = parseInput(limitSchema, recoverOptions, "[@atom/workflow-engine] recoverStale");
      const recovered: RecoveredRun[] = [];
      for (const stale of await store.listStaleRuns({ limit })) {
        let acquired: Awaited<ReturnType<typeof acquire>>;
        try {
          acquired = await acquire(stale.runId);
        } catch (error) {
          // Another engine recovered it (or it finished, or it was deleted) since the listing: not ours to run.
          if (GONE.some((code) => isAtomError(error, code))) continue;
          throw error;
        }
        const result = continueRun(acquired, {});
        result.catch(() => undefined);
        recovered.push({ runId: stale.runId, result });
      }
      return recovered;
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
  // Writes go through the queue adapter's transaction, not the store: this store accepts and forgets them.
  const scratch: RunStore = {
    createRun: () => undefined,
    getRun: async () => undefined,
    acquireRun: async () => ({ outcome: "not_found" }),
    renewLease: () => true,
    saveNodeResult: () => undefined,
    setRunStatus: () => undefined,
    listStaleRuns: async () => [],
  };
  // A queued node's lease is its job's expiry; this keeper's timer would fire only after 2^31-1 ms, into a no-op store.
  const stepKeeper = new LeaseKeeper(services.clock, MAX_TIMER_MS);
  const internals: EngineInternals = {
    compile,
    runNode(step) {
      const params: ExecuteParams = {
        workflow: step.workflow,
        runId: step.runId,
        input: step.input,
        settled: step.settled,
        store: scratch,
        lease,
        keeper: stepKeeper,
        services,
        concurrency: 1,
        random: options.random ?? Math.random,
        only: step.node,
      };
      if (step.agentId !== undefined) params.agentId = step.agentId;
      if (step.cancel !== undefined) params.cancel = step.cancel;
      if (step.approvals !== undefined) params.approvals = step.approvals;
      if (listeners.size > 0) params.emit = emit;
      return executeWorkflow(params);
    },
    emit,
    services,
    store,
  };
  Object.defineProperty(engine, ENGINE_INTERNALS, { value: internals });
  return engine;
}
