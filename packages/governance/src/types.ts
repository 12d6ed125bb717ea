import type { ActionComplexity } from "./complexity.js";
import type { AgentMaturity, AgentStatus } from "./maturity.js";

/** An agent as a registry returns it. Validated on every lookup; anything else is treated as a registry failure. */
export interface AgentRecord {
  /** The agent's id. */
  id: string;
  /** Its stored maturity, or an inactive status (always denied). */
  status: AgentStatus;
  /** Confidence score 0..1. When it allows less than `status`, the score wins. */
  confidence?: number | null | undefined;
  /** The tenant the agent belongs to, carried into audit events. */
  tenantId?: string | null | undefined;
}

/**
 * Where agents live. Implement it over your own table, or use `memoryAgentRegistry()` or
 * `postgresAgentRegistry({ pool })` from `@atom/governance/postgres`.
 */
export interface AgentRegistry {
  /** The agent, or `null`/`undefined` when there is none. Throwing makes checks fail closed (503). */
  getAgent(agentId: string): Promise<AgentRecord | null | undefined>;
  /**
   * Adds `delta` to the agent's confidence atomically, starting from `baseline` when it has none, clamped to 0..1.
   * @returns the new confidence, or `null` when the agent does not exist
   */
  adjustConfidence(agentId: string, delta: number, baseline: number): Promise<number | null>;
  /**
   * Optional: sets the agent's status (pause, stop, resume with a maturity). Used by `governance.setStatus`.
   * @returns whether the agent exists
   */
  setStatus?(agentId: string, status: AgentStatus): Promise<boolean>;
  /**
   * Optional: calls `listener` whenever an agent changes, on this process or any other (the Postgres registry uses
   * `LISTEN/NOTIFY`). `createGovernance` subscribes, so every gate drops a changed agent from its cache at once.
   */
  watch?(listener: AgentChangeListener): AgentWatch;
}

/**
 * Told which agent changed, or `null` when any may have (notifications may have been lost: flush everything).
 */
export type AgentChangeListener = (agentId: string | null) => void;

/** A subscription made by {@link AgentRegistry.watch}. */
export interface AgentWatch {
  /** Resolves `true` once changes are being delivered, `false` when they cannot be (the cache then relies on its TTL). */
  readonly ready: Promise<boolean>;
  /** Stops the subscription and releases its connection. */
  close(): Promise<void>;
}

/** The request a check was made for, recorded with proposals and audit events. */
export interface GovernedRequestInfo {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /**
   * The route pattern that matched (`/accounts/:id`), as the host helpers pass it. Approvals are bound to it; when
   * absent, they are bound to `path`.
   */
  route?: string | undefined;
  /**
   * A digest the caller chose of what the request acts on (a hash of the body, or the resource id), up to 512
   * characters. An approval is bound to it: the approved request must be repeated with the same digest.
   */
  digest?: string | undefined;
}

/** What an {@link ApprovalStore} records when an INTERN asks for more than it may do alone. */
export interface ProposalInput {
  /** The agent that asked. */
  agentId: string;
  /** What it asked to do. */
  actionName: string;
  /** The action's complexity. */
  complexity: ActionComplexity;
  /** The maturity the agent acted with (always INTERN today). */
  agentMaturity: AgentMaturity;
  /** The maturity the action needs. */
  requiredMaturity: AgentMaturity;
  /** Why approval is needed. */
  reason: string;
  /** The request that asked, when the check came from HTTP. */
  request?: GovernedRequestInfo;
  /** The agent's tenant, when the registry knows it. */
  tenantId?: string;
  /**
   * What the proposal is bound to besides agent, action name and complexity: a SHA-256 (hex) of the request's
   * method, route (or path) and digest. An approval is used only by a check with the same fingerprint.
   */
  fingerprint: string;
  /** When a still-pending proposal expires: it can no longer be approved, and a retry records a new one. */
  expiresAt: Date;
}

/**
 * Where a proposal is in its life: `pending` until a human decides or it expires; `approved` until the agent uses
 * it (once); `used` after that; `rejected` for good; `expired` when nobody decided before `expiresAt`.
 */
export type ProposalStatus = "pending" | "approved" | "rejected" | "used" | "expired";

/** A recorded proposal and, once decided, who decided it. */
export interface Proposal extends ProposalInput {
  /** The proposal id returned to the agent (`proposal_id`). */
  id: string;
  /** See {@link ProposalStatus}. */
  status: ProposalStatus;
  /** When it was recorded. */
  createdAt: Date;
  /** Who approved or rejected it. */
  decidedBy?: string;
  /** When it was approved or rejected. */
  decidedAt?: Date;
  /** The decider's note. */
  note?: string;
  /** When the agent used the approval. */
  usedAt?: Date;
}

/** A human's decision on a pending proposal, as passed to {@link ApprovalStore.decideProposal}. */
export interface ProposalDecision {
  /** `approved` or `rejected`. */
  status: "approved" | "rejected";
  /** Who decided (a user id or name), recorded with the proposal. */
  decidedBy: string;
  /** Why, recorded with the proposal. */
  note?: string;
  /** When. */
  at: Date;
}

/** What {@link ApprovalStore.decideProposal} returns for a known proposal. */
export interface ProposalDecisionResult {
  /** The proposal as it is after the call. */
  proposal: Proposal;
  /** Whether this call decided it (false: it was no longer pending). */
  changed: boolean;
}

/** What {@link ApprovalStore.consumeApproval} must match for an approval to be used. */
export interface ApprovalUse {
  /** The agent acting now: must be the one that asked. */
  agentId: string;
  /** The action it performs now: must be the one it asked for. */
  actionName: string;
  /** The action's complexity now: must be the one approved. */
  complexity: ActionComplexity;
  /** The request's fingerprint now: must be the proposal's {@link ProposalInput.fingerprint}. */
  fingerprint: string;
  /** Approvals decided before this time have expired. */
  decidedAfter: Date;
  /** When it is used. */
  at: Date;
}

/**
 * Records proposals of actions that need a human's approval. `decideProposal` and `consumeApproval` are optional:
 * without them the store only records (approving is then up to your application), and
 * `governance.approve`/`reject` fail with `GOVERNANCE_APPROVALS_UNSUPPORTED`.
 */
export interface ApprovalStore {
  /**
   * Records a pending proposal and returns it with its id. When a pending, unexpired proposal has the same agent,
   * action name, complexity and fingerprint, returns that one instead (a retry gets the same id), atomically.
   */
  createProposal(input: ProposalInput): Promise<Proposal>;
  /** A proposal by id, or `null`. A pending proposal past its `expiresAt` is returned as `expired`. */
  getProposal(id: string): Promise<Proposal | null>;
  /**
   * Moves a `pending` proposal not expired at `decision.at` to `approved` or `rejected`, atomically: of two
   * concurrent decisions exactly one changes it. Returns the proposal as it is afterwards and whether this call changed it; `null` when unknown.
   */
  decideProposal?(id: string, decision: ProposalDecision): Promise<ProposalDecisionResult | null>;
  /**
   * Moves an `approved` proposal to `used` when it matches `use`, atomically and once: of N concurrent calls
   * exactly one gets the proposal; the others, and any non-matching call, get `null`.
   */
  consumeApproval?(id: string, use: ApprovalUse): Promise<Proposal | null>;
}

/** What a check decided. */
export type GovernanceOutcome = "allow" | "deny" | "approval_required";

/** Why a decision was taken without a maturity comparison, when it was. */
export type GovernanceMode = "enforced" | "governance_disabled" | "emergency_bypass";

/**
 * The result of `governance.check(...)`. Allow and deny decisions for a cached agent are shared and frozen: copy
 * before changing one.
 */
export interface GovernanceDecision {
  /** `allow`, `deny`, or `approval_required` (a proposal was recorded). */
  outcome: GovernanceOutcome;
  /** A sentence saying why, safe to show to the caller. */
  reason: string;
  /**
   * The maturity the agent acted with (after the confidence rule), or its inactive status; `null` when enforcement
   * was skipped (governance disabled or bypassed), since the registry is then not consulted.
   */
  agentMaturity: AgentStatus | null;
  /** The maturity the action needs. */
  requiredMaturity: AgentMaturity;
  /** The agent checked. */
  agentId: string;
  /** The action's recorded name. */
  actionName: string;
  /** The action's complexity (unknown values already turned into CRITICAL). */
  complexity: ActionComplexity;
  /** `enforced`, or why enforcement was skipped. */
  mode: GovernanceMode;
  /** The recorded proposal, when `outcome` is `approval_required`. */
  proposalId?: string;
}

/**
 * What an audit event records: `decision` (an enforced check), `governance_disabled` and `emergency_bypass`
 * (enforcement skipped), `misconfiguration` (a flag reader misbehaved; the check was enforced), `error` (the check
 * or decision failed: 404, 503, 409…; see `errorCode`), `proposal_decision` (a person approved or rejected).
 */
export type GovernanceAuditEventType =
  | "decision"
  | "governance_disabled"
  | "emergency_bypass"
  | "misconfiguration"
  | "error"
  | "proposal_decision";

/** A decision's outcome, or for a `proposal_decision` event, what the person decided. */
export type GovernanceAuditOutcome = GovernanceOutcome | "approved" | "rejected";

/** One audit record: every outcome, including skipped enforcement, failures and approvals. */
export interface GovernanceAuditEvent {
  /** See {@link GovernanceAuditEventType}. */
  type: GovernanceAuditEventType;
  /** `critical` for an emergency bypass or a misconfiguration, `warning` for denials, errors and approvals, `info` otherwise. */
  severity: "info" | "warning" | "critical";
  /** The outcome; `deny` for failures (a failed check never allows). */
  outcome: GovernanceAuditOutcome;
  /** The agent checked, or `null` when a request named none and one was required. */
  agentId: string | null;
  /** The action's recorded name. */
  actionName: string;
  /** The action's complexity. */
  complexity: ActionComplexity;
  /** As in {@link GovernanceDecision.agentMaturity}. */
  agentMaturity: AgentStatus | null;
  /** The maturity the action needs. */
  requiredMaturity: AgentMaturity;
  /** The decision's reason, or the failure's message. */
  reason: string;
  /** The feature whose flag was consulted (absent for proposal decisions). */
  feature?: string;
  /** The proposal recorded, used or decided. */
  proposalId?: string;
  /** The agent's tenant, when known. */
  tenantId?: string;
  /** The HTTP request checked, when there was one. */
  request?: GovernedRequestInfo;
  /** The error's code for `error` and `misconfiguration` events (`AGENT_NOT_FOUND`, `GOVERNANCE_UNAVAILABLE`…). */
  errorCode?: string;
  /** Who approved or rejected, for `proposal_decision` events. */
  decidedBy?: string;
  /** When (from the gate's clock). */
  at: Date;
}

/**
 * Receives every audit event. Failures, and a sink slower than the gate's `timeoutMs`, are reported to
 * `onAuditError` and never change a decision.
 */
export type GovernanceAuditSink = (event: GovernanceAuditEvent) => void | Promise<void>;

/**
 * The flag reader `createGovernance` consults, structurally compatible with `@atom/flags`' governance flags.
 * Readers may be synchronous or asynchronous (an OpenFeature-backed reader); a promise is awaited with the gate's
 * `timeoutMs`. Only an exact `true` or `false` changes a decision: anything else, a throw, a rejection or a timeout
 * enforces governance without bypass and is reported (`GOVERNANCE_FLAG_INVALID` to `onError`, plus a
 * `misconfiguration` audit event).
 */
export interface GovernanceFlagsReader {
  /** Whether governance is switched on for a feature (not consulted by the gate; kept for `@atom/flags` parity). */
  isGovernanceEnabled(feature: string): boolean | Promise<boolean>;
  /** Whether the emergency bypass is on (every check allowed, loudly audited). */
  isEmergencyBypassActive(): boolean | Promise<boolean>;
  /** Whether checks for `feature` are enforced: enabled and not bypassed. */
  shouldEnforceGovernance(feature: string): boolean | Promise<boolean>;
}
