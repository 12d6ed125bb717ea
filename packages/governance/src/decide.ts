import type { ActionComplexity } from "./complexity.js";
import { type AgentMaturity, effectiveMaturity, isInactiveStatus, maturityRank } from "./maturity.js";
import type { AgentRecord, GovernanceDecision } from "./types.js";

/** What is known about an action before its agent is looked at. @internal */
export interface ActionInfo {
  agentId: string;
  actionName: string;
  complexity: ActionComplexity;
  requiredMaturity: AgentMaturity;
}

/**
 * The enforced decision for an agent record, as a pure function. An `approval_required` decision comes back without
 * its `proposalId`: recording the proposal is the caller's side effect.
 * @internal
 */
export function judge(record: AgentRecord, action: ActionInfo): GovernanceDecision {
  const { agentId, actionName, complexity, requiredMaturity: required } = action;
  if (isInactiveStatus(record.status)) {
    return {
      outcome: "deny",
      reason: `Agent ${agentId} is ${record.status} and may not act`,
      agentMaturity: record.status,
      requiredMaturity: required,
      agentId,
      actionName,
      complexity,
      mode: "enforced",
    };
  }
  const maturity = effectiveMaturity(record.status, record.confidence);
  const lowered =
    maturity === record.status ? "" : ` (stored ${record.status}, confidence ${record.confidence} allows ${maturity})`;
  let outcome: GovernanceDecision["outcome"];
  let reason: string;
  if (maturityRank(maturity) >= maturityRank(required)) {
    outcome = "allow";
    reason = `Agent ${agentId} (${maturity}) may perform "${actionName}"`;
  } else if (maturity === "INTERN") {
    outcome = "approval_required";
    reason = `Agent ${agentId} (INTERN${lowered}) needs approval to perform "${actionName}", which requires ${required}`;
  } else {
    outcome = "deny";
    reason = `Agent ${agentId} (${maturity}${lowered}) may not perform "${actionName}", which requires ${required}`;
  }
  return { outcome, reason, agentMaturity: maturity, requiredMaturity: required, agentId, actionName, complexity, mode: "enforced" };
}
