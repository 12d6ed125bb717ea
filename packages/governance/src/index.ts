/**
 * `@atom/governance`: a fail-closed maturity gate for AI agents calling state-changing routes. Each agent has a
 * maturity (`STUDENT < INTERN < SUPERVISED < AUTONOMOUS`), each action a complexity (1–4); an agent may act only at
 * or below its level, an INTERN above it gets an approval proposal, and any registry failure denies (503).
 *
 * ```sh
 * npm install @atom/governance
 * ```
 *
 * @example
 * ```ts
 * import { createGovernance, memoryAgentRegistry } from "@atom/governance";
 *
 * const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "agent-7", status: "STUDENT" }]) });
 * const decision = await governance.check({ agentId: "agent-7", action: "delete" });
 * // { outcome: "deny", reason: 'Agent agent-7 (STUDENT) may not perform "delete", which requires AUTONOMOUS', ... }
 * ```
 * @packageDocumentation
 */
export {
  AGENT_MATURITIES,
  AgentMaturity,
  effectiveMaturity,
  INACTIVE_STATUSES,
  isInactiveStatus,
  MATURITY_CONFIDENCE_FLOOR,
  maturityFromConfidence,
  maturityRank,
  type AgentStatus,
  type InactiveStatus,
} from "./maturity.js";
export {
  ActionComplexity,
  complexityForAction,
  DEFAULT_ACTION_COMPLEXITY,
  requiredMaturity,
  toComplexity,
} from "./complexity.js";
export {
  ApprovalsUnsupportedError,
  GovernanceApprovalRequiredError,
  GovernanceDeniedError,
  GovernanceUnavailableError,
  ProposalAlreadyDecidedError,
  ProposalApproverRefusedError,
  ProposalNotFoundError,
  RegistryUnsupportedError,
} from "./errors.js";
export { requestFingerprint } from "./fingerprint.js";
export {
  createGovernance,
  type Governance,
  type GovernanceOptions,
  type ProposalDecisionInput,
  type RecordOutcomeOptions,
  type UnidentifiedRequest,
} from "./governance.js";
export type { GovernanceCheckInput } from "./check-input.js";
export {
  GOVERNED_METHODS,
  requireGovernance,
  toGovernanceError,
  type AgentIdSource,
  type GovernanceGuard,
  type GovernedHttpRequest,
  type RequireGovernanceOptions,
} from "./http.js";
export { memoryAgentRegistry, memoryApprovalStore, type MemoryAgentRegistry, type MemoryApprovalStore } from "./memory.js";
export type {
  AgentChangeListener,
  AgentRecord,
  AgentRegistry,
  AgentWatch,
  ApprovalStore,
  ApprovalUse,
  GovernanceAuditEvent,
  GovernanceAuditEventType,
  GovernanceAuditOutcome,
  GovernanceAuditSink,
  GovernanceDecision,
  GovernanceFlagsReader,
  GovernanceMode,
  GovernanceOutcome,
  GovernedRequestInfo,
  Proposal,
  ProposalDecision,
  ProposalDecisionResult,
  ProposalInput,
  ProposalStatus,
} from "./types.js";
