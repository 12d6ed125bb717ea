import type { z } from "zod";
import type { AbortEmitter, HttpClient } from "./http/types.js";

/** Retry policy of one node: exponential backoff with full jitter. */
export interface RetryPolicy {
  /** Total attempts, the first included. @default 1 */
  maxAttempts: number;
  /** Delay before the second attempt, in ms. @default 200 */
  initialDelayMs?: number;
  /** Upper bound of one delay, in ms. @default 30000 */
  maxDelayMs?: number;
  /** Growth factor per attempt. @default 2 */
  factor?: number;
  /** `full` draws each delay uniformly in [0, computed]; `none` waits exactly. @default "full" */
  jitter?: "full" | "none";
}

/** One node of a workflow definition. */
export interface NodeDefinition {
  /** Unique within the workflow; used by edges and `$node.<id>` templates. */
  id: string;
  /** A built-in type (`condition`, `delay`, `http_request`, `transform`, `action`) or one made with `defineNode`. */
  type: string;
  /** The type's configuration, validated by the type's zod schema. Strings may hold `{{ }}` templates. */
  config: Record<string, unknown>;
  /** Retries on failure. @default { maxAttempts: 1 } */
  retry?: RetryPolicy;
  /** Time limit of one attempt, in ms. */
  timeoutMs?: number;
}

/** A directed edge. `branch` selects when it is taken (see the README's semantics table). */
export interface EdgeDefinition {
  /** Source node id. */
  from: string;
  /** Target node id. */
  to: string;
  /**
   * Omitted: taken when `from` succeeds. `"error"`: taken when `from` fails (the failure is then handled).
   * Any other value (`"true"`, `"false"`): taken when `from` succeeds and routes to that branch.
   */
  branch?: string;
}

/** A workflow as JSON, as an editor saves it. */
export interface WorkflowDefinition {
  /** Workflow id. */
  id: string;
  /** Definition version. */
  version: number;
  /** The nodes. */
  nodes: NodeDefinition[];
  /** The edges; the graph must be acyclic. */
  edges: EdgeDefinition[];
}

/** The JSON shape of an error inside results (the `AtomError#toJSON()` envelope). */
export interface NodeErrorInfo {
  /** Error class name. */
  name: string;
  /** Stable code (`HTTP_STATUS_ERROR`, `NODE_TIMEOUT`...). */
  code: string;
  /** Message, free of secrets. */
  message: string;
  /** Severity. */
  severity: string;
  /** HTTP-style status. */
  status: number;
  /** Structured details. */
  details: Record<string, unknown>;
}

/** Settled status of a node. */
export type NodeStatus = "success" | "failed" | "skipped";

/** The result of one node, as recorded in the run and the store. */
export interface NodeResult {
  /** Outcome. */
  status: NodeStatus;
  /** What the node produced (`undefined` unless `success`). */
  output?: unknown;
  /** The branch the node routed to (condition nodes: `"true"`/`"false"`). */
  branch?: string;
  /** The failure, when `failed`. */
  error?: NodeErrorInfo;
  /** Attempts made (0 when skipped). */
  attempts: number;
  /** ISO time the first attempt started. */
  startedAt?: string;
  /** ISO time the node settled. */
  finishedAt: string;
}

/** Status of a run. `cancelled` and `paused` runs can be resumed. */
export type RunStatus = "running" | "success" | "failed" | "cancelled" | "paused";

/** What `run`/`resume` return. */
export interface RunResult {
  /** Run id. */
  runId: string;
  /** Workflow id. */
  workflowId: string;
  /** Outcome. */
  status: RunStatus;
  /** Every settled node's result. */
  nodes: Record<string, NodeResult>;
  /** Outputs of the successful sink nodes (no outgoing edges), by node id. */
  outputs: Record<string, unknown>;
  /** Why the run failed or was cancelled. */
  error?: NodeErrorInfo;
  /** When `paused`: the action waiting for approval. */
  pendingApproval?: PendingApproval;
  /** Wall time of this execution, in ms. */
  durationMs: number;
}

/** What a node's `execute` receives. */
export interface NodeContext<C = unknown> {
  /** The node's config with every `{{ }}` template resolved. */
  config: C;
  /** The raw (unresolved) config, for types that resolve templates per item. */
  rawConfig: unknown;
  /** The node's input: the single live predecessor's output, an object keyed by predecessor id, or the run input. */
  input: unknown;
  /** Ids of the live predecessors, in edge order. */
  predecessors: readonly string[];
  /** The node definition. */
  node: NodeDefinition;
  /** Run id. */
  runId: string;
  /** The run's agent id, for governance. */
  agentId?: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** Aborts on cancellation, run deadline or node timeout. Pass it to everything that waits. */
  signal: AbortSignal;
  /**
   * The same cancellation as a Node `EventEmitter` (`aborted`, `reason`, `"abort"` event). Pass it as the `signal`
   * of `services.http` or undici requests: listening on it costs far less than on a fresh `AbortSignal` on Node 20.
   */
  abortEmitter: AbortEmitter;
  /** A stable key derived from run and node, for `Idempotency-Key` headers. */
  idempotencyKey: string;
  /** The approval given to `resume` for this node (`ResumeOptions.approvals`), passed on to governance. */
  readonly approvalId: string | undefined;
  /** Resolves templates against this node's scope. */
  resolve<T>(value: T, item?: unknown): T;
  /** Services the engine was configured with. */
  services: NodeServices;
}

/** A node's outcome when it must pick an outgoing branch. */
export interface BranchOutput {
  /** The branch to route to. */
  branch: string;
  /** The node output. */
  output: unknown;
}

/** A node type: a config schema and an `execute` function. Make one with `defineNode`. */
export interface NodeType<C = unknown> {
  /** Type name used by `NodeDefinition.type`. */
  type: string;
  /** zod schema of the config. */
  config: z.ZodType<C>;
  /** Runs one attempt. Return the output, or `{ branch, output }` via `routeTo` to choose a branch. */
  execute(ctx: NodeContext<C>): Promise<unknown> | unknown;
  /** Branch names the type routes to besides the default and `"error"` (condition: `["true", "false"]`). */
  branches?: readonly string[];
  /** When true the engine does not resolve templates in the config before `execute` (`ctx.resolve` is still there). */
  resolvesTemplates?: boolean;
}

/** Structural interface of a governance checker (e.g. `@atom/governance`'s `createGovernance`). */
export interface GovernanceChecker {
  /**
   * Decides whether `agentId` may perform `action` (a run without `agentId` is denied before it is asked). `approvalId` is the approval given to `resume` for this node
   * (`ResumeOptions.approvals`): an approved proposal lets the action run once.
   */
  check(input: {
    agentId: string;
    action: string;
    complexity: number;
    feature?: string;
    approvalId?: string;
    /**
     * What an approval is bound to: method `RUN`, path `/runs/<runId>/nodes/<nodeId>` and a SHA-256 `digest` of the
     * action's input, so an approval asked for one run's node is refused on any other run, node or input.
     */
    request: { method: string; path: string; digest: string };
  }): Promise<GovernanceVerdict>;
}

/** What a {@link GovernanceChecker} answers (a subset of @atom/governance's decision). */
export interface GovernanceVerdict {
  /** `allow` runs the action; `deny` fails the node; `approval_required` pauses the run. */
  outcome: "allow" | "deny" | "approval_required";
  /** Why, recorded in the node's error or the run's `pendingApproval`. */
  reason: string;
  /** With `approval_required`: the proposal a person approves; its id is the `approvalId` to resume with. */
  proposalId?: string;
}

/** The action a paused run waits on (see {@link RunResult.pendingApproval}). */
export interface PendingApproval {
  /** The action node. */
  nodeId: string;
  /** The action waiting for approval. */
  action: string;
  /** Governance's reason. */
  reason: string;
  /**
   * The proposal governance recorded, when it returned one. Once a person approves it, resume with
   * `{ approvals: { [nodeId]: proposalId } }`.
   */
  proposalId?: string;
}

/** Returns a bearer token for a provider (e.g. @atom/oauth-store's `getValidAccessToken`). */
export type CredentialsProvider = (provider: string, ctx: { runId: string; agentId?: string }) => Promise<string>;

/** Clock and timers the engine waits with; inject one (or use fake timers) so tests never sleep. */
export interface Clock {
  /** Milliseconds since epoch. */
  now(): number;
  /** Schedules `fn` after `ms`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** Services handed to nodes. */
export interface NodeServices {
  /** The shared HTTP client. */
  http: HttpClient;
  /** Credentials hook, when configured. */
  credentials?: CredentialsProvider;
  /**
   * The hosts each provider's token may be sent to by `http_request` (lowercase; `*.` patterns match subdomains).
   * A provider missing here gets none.
   */
  credentialHosts?: Readonly<Record<string, readonly string[]>>;
  /** Governance checker, when configured. */
  governance?: GovernanceChecker;
  /** Clock. */
  clock: Clock;
  /** Upper bound of `delay` nodes, in ms. */
  maxDelayMs: number;
  /** Registered actions. */
  actions: ActionRegistry;
}

/** What an action's `execute` receives. */
export interface ActionContext<I> {
  /** The validated input. */
  input: I;
  /** The shared HTTP client. */
  http: HttpClient;
  /** Returns a token for `provider`. @throws AtomError when no credentials hook is configured. */
  credentials(provider: string): Promise<string>;
  /** Aborts with the run/node. */
  signal: AbortSignal;
  /** The same cancellation as an {@link AbortEmitter}; pass it as the `signal` of `http` requests. */
  abortEmitter: AbortEmitter;
  /** Stable per run+node. */
  idempotencyKey: string;
  /** Run id. */
  runId: string;
  /** The run's agent id. */
  agentId?: string;
}

/** An action an `action` node can call. */
export interface ActionDefinition<I = unknown> {
  /** zod schema of the input. */
  input: z.ZodType<I>;
  /** Complexity passed to governance (1 = trivial). */
  complexity: number;
  /** Feature name passed to governance. */
  feature?: string;
  /** Performs the action. */
  execute(ctx: ActionContext<I>): Promise<unknown>;
}

/** A name → action map. */
export interface ActionRegistry {
  /** Adds or replaces an action. */
  register<I>(name: string, action: ActionDefinition<I>): void;
  /** Looks an action up. */
  get(name: string): ActionDefinition | undefined;
  /** Registered names. */
  names(): string[];
}

/** A run as persisted by a {@link RunStore}. */
export interface StoredRun {
  /** Run id. */
  runId: string;
  /** The definition the run executes (frozen at start). */
  workflow: WorkflowDefinition;
  /** Run input. */
  input: unknown;
  /** Agent id, for governance. */
  agentId?: string;
  /** Current status. */
  status: RunStatus;
  /** Settled nodes. */
  nodes: Record<string, NodeResult>;
  /** Failure or cancellation reason. */
  error?: NodeErrorInfo;
  /** The engine holding the run's lease, while one does (see {@link RunLease}). */
  owner?: string;
  /** When the current lease runs out unless renewed (ISO time), while one is held. */
  leaseExpiresAt?: string;
}

/**
 * Who executes a run, and for how long without a heartbeat. An engine takes a lease when it starts or resumes a run,
 * renews it every `heartbeatMs` while the run executes, and releases it when the run stops (any status). A lease
 * that is not renewed expires, so a crashed engine's runs become stale and another engine may take them over.
 */
export interface RunLease {
  /** The engine's owner id (`WorkflowEngineOptions.ownerId`). */
  owner: string;
  /** How long the lease lasts from now, in ms. */
  ttlMs: number;
}

/** What {@link RunStore.acquireRun} found. */
export type AcquireRunOutcome =
  | {
      /** The lease is now the caller's; `run` is the run with every node settled so far. */
      outcome: "acquired";
      /** The run. */
      run: StoredRun;
    }
  | {
      /** No run has this id. */
      outcome: "not_found";
    }
  | {
      /** The run already succeeded or failed; nothing changed. */
      outcome: "finished";
      /** Its final status. */
      status: "success" | "failed";
    }
  | {
      /** Another owner's lease is live; nothing changed. */
      outcome: "leased";
      /** When that lease runs out unless renewed (ISO time). */
      leaseExpiresAt: string;
    };

/** A run whose owner stopped renewing its lease: status `running`, lease expired (see {@link RunStore.listStaleRuns}). */
export interface StaleRun {
  /** Run id. */
  runId: string;
  /** Workflow id. */
  workflowId: string;
  /** When the last lease ran out (ISO time); absent for a run that never had one. */
  leaseExpiresAt?: string;
}

/**
 * Persists runs so `resume` can continue them, and arbitrates which engine executes a run through a lease.
 * Implementations: `memoryRunStore`, `postgresRunStore`. Every write after `createRun`/`acquireRun` names the owner
 * and is refused (`WORKFLOW_RUN_OWNED`, 409) once another owner took the run over, so a run has one writer.
 */
export interface RunStore {
  /**
   * Records a new run (status `running`, no nodes) leased to `lease.owner`; the run starts once this returns or its
   * promise resolves.
   * @throws RunExistsError (`WORKFLOW_RUN_EXISTS`, 409) when the store holds a run with this id; nothing changes.
   */
  createRun(run: StoredRun, lease: RunLease): void | Promise<void>;
  /** Loads a run with its settled nodes. */
  getRun(runId: string): Promise<StoredRun | undefined>;
  /**
   * Compare-and-set: takes the lease of a run that is not finished and whose lease is released or expired, sets it
   * `running` and returns it; otherwise changes nothing and says why.
   */
  acquireRun(runId: string, lease: RunLease): Promise<AcquireRunOutcome>;
  /** Heartbeat: extends the lease by `lease.ttlMs` from now. `false` when `lease.owner` no longer holds it. */
  renewLease(runId: string, lease: RunLease): boolean | Promise<boolean>;
  /**
   * Records one settled node (idempotent per run+node). The engine settles the node once this returns, or once
   * the returned promise resolves: an in-process store returns nothing so synchronous nodes never wait a turn.
   * @throws RunOwnedError (`WORKFLOW_RUN_OWNED`, 409) when `owner` no longer holds the run; nothing is written.
   */
  saveNodeResult(runId: string, nodeId: string, result: NodeResult, owner: string): void | Promise<void>;
  /**
   * Records where the run stopped and releases `owner`'s lease; the run's result is returned once this returns or
   * its promise resolves.
   * @throws RunOwnedError (`WORKFLOW_RUN_OWNED`, 409) when `owner` no longer holds the run; nothing is written.
   */
  setRunStatus(runId: string, owner: string, status: RunStatus, error?: NodeErrorInfo): void | Promise<void>;
  /** Runs left `running` with an expired (or no) lease, oldest lease first, at most `limit`. */
  listStaleRuns(options: { limit: number }): Promise<StaleRun[]>;
}

/** Engine events. */
export interface EngineEvents {
  /** A node attempt series begins. */
  "node:start": NodeStartEvent;
  /** A node settled. */
  "node:finish": NodeFinishEvent;
  /** A run finished (any status). */
  "run:finish": RunFinishEvent;
}

/** Payload of `node:start`. */
export interface NodeStartEvent {
  /** The run. */
  runId: string;
  /** The node. */
  nodeId: string;
  /** The node's type. */
  type: string;
}

/** Payload of `node:finish`. */
export interface NodeFinishEvent extends NodeStartEvent {
  /** How the node settled. */
  result: NodeResult;
}

/** Payload of `run:finish`. */
export interface RunFinishEvent {
  /** The run's result. */
  result: RunResult;
}
