import { defineError } from "@atom/errors";
import { z } from "zod";

const maturityDetail = z.string();

/**
 * `GOVERNANCE_DENIED` (403): the agent is not mature enough for the action, is inactive, or named no agent. The message
 * says what was decided, never the agent's stored status or confidence score (those stay in the decision's `reason`
 * and the audit trail); details carry `reason` (the same sentence), `agent_id`, `action_name`, `required_maturity`.
 */
export const GovernanceDeniedError = defineError({
  code: "GOVERNANCE_DENIED",
  status: 403,
  severity: "medium",
  message: (d) => d.reason,
  details: z.object({
    /** Why, the same sentence as the message. */
    reason: z.string(),
    /** The agent, or `null` when the request named none and one was required. */
    agent_id: z.string().nullable(),
    /** The action's recorded name. */
    action_name: z.string(),
    /** The maturity the action needs. */
    required_maturity: maturityDetail,
  }),
});

/**
 * `GOVERNANCE_APPROVAL_REQUIRED` (202, severity `info`): the action was not performed; a proposal awaits a human.
 * Details: `proposal_id`, `agent_maturity`, `required_maturity`. Thrown by the host helpers so the `@atom/errors`
 * handlers render it in the same envelope on every host.
 */
export const GovernanceApprovalRequiredError = defineError({
  code: "GOVERNANCE_APPROVAL_REQUIRED",
  status: 202,
  severity: "info",
  expose: true,
  message: (d) => `Action requires approval (proposal ${d.proposal_id})`,
  details: z.object({
    /** The proposal's id. */
    proposal_id: z.string(),
    /** The maturity the agent acted with. */
    agent_maturity: maturityDetail,
    /** The maturity the action needs. */
    required_maturity: maturityDetail,
  }),
});

/**
 * `GOVERNANCE_UNAVAILABLE` (503): the agent registry or approval store (or, through the host helpers, your
 * `resolveAgentId` or `requestDigest`) failed, timed out, or returned something invalid. The check failed closed: nothing was allowed. The message and details (which component, which agent) are
 * shown to clients even in production; the cause is kept on `cause` and never sent.
 */
export const GovernanceUnavailableError = defineError({
  code: "GOVERNANCE_UNAVAILABLE",
  status: 503,
  severity: "high",
  expose: true,
  message: (d) => `[@atom/governance] ${d.component} unavailable; the action was not allowed`,
  details: z.object({
    /** Which dependency failed: `agent registry`, `approval store`, or the host's `agent resolver` or `request digest`. */
    component: z.union([
      z.literal("agent registry"),
      z.literal("approval store"),
      z.literal("agent resolver"),
      z.literal("request digest"),
    ]),
    /** The agent whose check failed. */
    agent_id: z.string(),
  }),
});

/**
 * `GOVERNANCE_FLAG_INVALID` (500, reported, never thrown by `check`): a flag reader returned something other than
 * `true` or `false` (a string, `undefined`, a promise of either), threw, rejected, or did not settle within
 * `timeoutMs`. The check was enforced without bypass; the error goes to `onError` and a `misconfiguration` audit event.
 */
export const GovernanceFlagInvalidError = defineError({
  code: "GOVERNANCE_FLAG_INVALID",
  status: 500,
  severity: "critical",
  message: (d) => `[@atom/governance] flag reader ${d.reader} did not answer with a boolean; governance was enforced`,
  details: z.object({
    /** The reader that misbehaved. */
    reader: z.enum(["isEmergencyBypassActive", "shouldEnforceGovernance"]),
  }),
});

/** `PROPOSAL_NOT_FOUND` (404): no proposal has this id. */
export const ProposalNotFoundError = defineError({
  code: "PROPOSAL_NOT_FOUND",
  status: 404,
  severity: "low",
  message: (d) => `Proposal ${d.proposal_id} not found`,
  details: z.object({
    /** The proposal's id. */
    proposal_id: z.string(),
  }),
});

/** `PROPOSAL_ALREADY_DECIDED` (409): the proposal was already approved, rejected or used. */
export const ProposalAlreadyDecidedError = defineError({
  code: "PROPOSAL_ALREADY_DECIDED",
  status: 409,
  severity: "low",
  message: (d) => `Proposal ${d.proposal_id} is already ${d.status}`,
  details: z.object({
    /** The proposal's id. */
    proposal_id: z.string(),
    /** The proposal's current status. */
    status: z.string(),
  }),
});

/**
 * `PROPOSAL_APPROVER_REFUSED` (403): the decider is the agent that asked (`self`), or another agent known to the
 * registry (`agent`) while `allowAgentApprovers` is off. Nothing was changed.
 */
export const ProposalApproverRefusedError = defineError({
  code: "PROPOSAL_APPROVER_REFUSED",
  status: 403,
  severity: "medium",
  expose: true,
  message: (d) =>
    d.approver === "self"
      ? `Proposal ${d.proposal_id} cannot be decided by the agent that asked for it`
      : `Proposal ${d.proposal_id} cannot be decided by an agent`,
  details: z.object({
    /** The proposal's id. */
    proposal_id: z.string(),
    /** Why: `self` (the asking agent) or `agent` (another agent). */
    approver: z.union([z.literal("self"), z.literal("agent")]),
  }),
});

/** `GOVERNANCE_REGISTRY_UNSUPPORTED` (500): the agent registry does not implement `setStatus`. */
export const RegistryUnsupportedError = defineError({
  code: "GOVERNANCE_REGISTRY_UNSUPPORTED",
  status: 500,
  severity: "high",
  message: () => "[@atom/governance] the agent registry does not implement setStatus",
});

/** `GOVERNANCE_APPROVALS_UNSUPPORTED` (500): the approval store cannot decide or consume proposals. */
export const ApprovalsUnsupportedError = defineError({
  code: "GOVERNANCE_APPROVALS_UNSUPPORTED",
  status: 500,
  severity: "high",
  message: () => "[@atom/governance] the approval store does not implement decideProposal and consumeApproval",
});
