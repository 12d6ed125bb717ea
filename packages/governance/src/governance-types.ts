import type { AtomError } from "@atom/errors";
import type { GovernanceCheckInput } from "./check-input.js";
import type { ActionComplexity } from "./complexity.js";
import type { AgentStatus } from "./maturity.js";
import type {
  AgentRegistry,
  ApprovalStore,
  GovernanceAuditEvent,
  GovernanceAuditSink,
  GovernanceDecision,
  GovernanceFlagsReader,
  GovernedRequestInfo,
  Proposal,
} from "./types.js";

/** Options of {@link createGovernance}. */
export interface GovernanceOptions {
  /** Where agents are looked up. */
  registry: AgentRegistry;
  /**
   * Feature flags for per-feature enforcement and the emergency bypass (`@atom/flags` fits).
   * @default every feature enforced, no bypass
   */
  flags?: GovernanceFlagsReader;
  /**
   * Where proposals are recorded when an INTERN asks for more than it may do alone.
   * @default memoryApprovalStore() (lost on restart; pass `postgresApprovalStore` in production)
   */
  approvals?: ApprovalStore;
  /** Receives every decision. @default none */
  audit?: GovernanceAuditSink;
  /**
   * Called when the audit sink throws; the decision stands either way.
   * @default logs the error's name to `console.error`
   */
  onAuditError?: (error: unknown, event: GovernanceAuditEvent) => void;
  /**
   * Called when a flag reader misbehaves (`GOVERNANCE_FLAG_INVALID`: a non-boolean answer, a throw, a rejection or
   * a timeout). The check is enforced either way.
   * @default logs the code and message to `console.error`
   */
  onError?: (error: AtomError) => void;
  /**
   * Extra or overriding entries for the action → complexity table, merged over {@link DEFAULT_ACTION_COMPLEXITY}.
   * @example { export_report: 2, delete: 3 }
   */
  actions?: Readonly<Record<string, number>>;
  /**
   * How long an agent lookup is cached, in ms; `0` disables the cache. With a registry that can `watch` (memory,
   * Postgres), changes drop cached agents at once and the TTL only bounds staleness when notifications are lost.
   * @default 30_000
   */
  cacheTtlMs?: number;
  /**
   * Whether to subscribe to the registry's change notifications (`registry.watch`), when it has them. The Postgres
   * registry then holds one connection of your pool; call `governance.close()` before `pool.end()`.
   * @default true
   */
  watchRegistry?: boolean;
  /** How long an approval stays usable after it was approved, in ms, at most ten years. @default 86_400_000 (24 hours) */
  approvalTtlMs?: number;
  /**
   * How long a proposal stays pending, in ms: after that nobody can approve it, and the agent's retry records a new
   * one. At most ten years. @default 86_400_000 (24 hours)
   */
  proposalTtlMs?: number;
  /**
   * Whether an agent known to the registry may approve or reject another agent's proposal. An agent may never
   * decide its own. @default false
   */
  allowAgentApprovers?: boolean;
  /**
   * A registry or approval-store call slower than this fails closed with `GOVERNANCE_UNAVAILABLE`; at most
   * 2_147_483_647 (the longest Node timer). @default 2_000
   */
  timeoutMs?: number;
  /** Milliseconds since the epoch, for the cache and audit timestamps. @default Date.now */
  clock?: () => number;
}

/** Options of {@link Governance.recordOutcome}. */
export interface RecordOutcomeOptions {
  /** `low`: +0.01 / −0.02; `high`: +0.05 / −0.1. @default "low" */
  impact?: "low" | "high";
}

/** Who approves or rejects a proposal, and why. */
export interface ProposalDecisionInput {
  /**
   * The deciding user's id or name, recorded with the proposal: 1–256 characters, no control characters, no
   * whitespace at either end (compared exactly with the asking agent's id).
   */
  by: string;
  /** Why, recorded with the proposal (up to 2,000 characters, no NUL). */
  note?: string;
}

/** What {@link Governance.denyUnidentified} records. */
export interface UnidentifiedRequest {
  /** The action's recorded name. */
  actionName: string;
  /** The action's complexity (1–4; anything else is CRITICAL). */
  complexity: number;
  /** The feature the route belongs to. @default "default" */
  feature?: string;
  /** The HTTP request. */
  request?: GovernedRequestInfo;
  /**
   * Where the request carried an id that is not one (`x-agent-id`, `agent_id (query)`, `x-approval-id`): recorded in
   * the event's reason, never the value. The host helpers then answer with the `VALIDATION_ERROR` (400) naming it.
   */
  malformed?: string;
}

/** A governance gate made by {@link createGovernance}. */
export interface Governance {
  /**
   * Decides whether an agent may perform an action.
   * @throws {AgentNotFoundError} `AGENT_NOT_FOUND` (404) when the registry has no such agent
   * @throws {GovernanceUnavailableError} `GOVERNANCE_UNAVAILABLE` (503) when the registry or approval store throws,
   * times out, or returns an invalid record: never an allow
   * @throws {ValidationError} when the input is invalid, an agent or approval id with a control character or
   * whitespace at either end included
   */
  check(input: GovernanceCheckInput): Promise<GovernanceDecision>;
  /**
   * Feeds an action's outcome back into the agent's confidence score (+0.01/−0.02 low impact, +0.05/−0.1 high,
   * clamped to 0..1; an agent without a score starts at its maturity's floor) and drops the cached agent.
   * @returns the new confidence
   * @throws {AgentNotFoundError} when the agent does not exist
   * @throws {GovernanceUnavailableError} when the registry fails
   */
  recordOutcome(agentId: string, success: boolean, options?: RecordOutcomeOptions): Promise<number>;
  /**
   * Approves a pending proposal. The agent may then repeat the request with the proposal id (`approvalId`, or the
   * `X-Approval-ID` header through the host helpers) once, within `approvalTtlMs`.
   * @throws {ProposalNotFoundError} `PROPOSAL_NOT_FOUND` (404)
   * @throws {ProposalAlreadyDecidedError} `PROPOSAL_ALREADY_DECIDED` (409) unless the proposal is pending
   * @throws {ApprovalsUnsupportedError} when the approval store cannot decide proposals
   * @throws {GovernanceUnavailableError} when the approval store fails
   * @throws {ValidationError} for a malformed proposal id, `by` or `note` (a control character, surrounding whitespace)
   */
  approve(proposalId: string, decision: ProposalDecisionInput): Promise<Proposal>;
  /** Rejects a pending proposal for good. Throws as {@link Governance.approve} does. */
  reject(proposalId: string, decision: ProposalDecisionInput): Promise<Proposal>;
  /**
   * Audits a request that named no agent where one is required (a `decision` event with `agentId: null`, outcome
   * `deny`) and returns the `GOVERNANCE_DENIED` (403) error to throw. The host helpers call it.
   * @throws {ValidationError} when the input is invalid
   */
  denyUnidentified(input: UnidentifiedRequest): Promise<AtomError>;
  /**
   * Sets an agent's status through the registry (`PAUSED`, `STOPPED`… to stop it, a maturity to resume it) and drops
   * it from this gate's cache at once; other gates over a watching registry (memory, Postgres `LISTEN/NOTIFY`) drop it
   * when the change notification arrives.
   * @throws {AgentNotFoundError} when the agent does not exist
   * @throws {RegistryUnsupportedError} `GOVERNANCE_REGISTRY_UNSUPPORTED` when the registry has no `setStatus`
   * @throws {GovernanceUnavailableError} when the registry fails or times out
   * @throws {ValidationError} for an unknown status
   */
  setStatus(agentId: string, status: AgentStatus): Promise<void>;
  /** Stops watching the registry for changes (releasing a Postgres listening connection). Call it before `pool.end()`. */
  close(): Promise<void>;
  /** Drops the cached lookup of one agent, or of every agent. Call it after changing an agent outside the library. */
  invalidate(agentId?: string): void;
  /** The complexity an action name has in this gate's table. */
  complexityOf(action: string): ActionComplexity;
}
