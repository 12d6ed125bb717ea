import { AgentNotFoundError } from "@atom/errors";
import { type Governance, toGovernanceError } from "@atom/governance";
import type { PostgresAgentRegistry } from "@atom/governance/postgres";
import { z } from "zod";
import { parseRequest } from "./request.js";

const agentBody = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  status: z.enum(["STUDENT", "INTERN", "SUPERVISED", "AUTONOMOUS", "PAUSED", "STOPPED", "DEPRECATED", "DELETED"]),
  confidence: z.number().min(0).max(1).optional(),
});

const actionParams = z.object({ id: z.string().min(1).max(64), action: z.string().regex(/^[a-z_]{1,64}$/) });

/** `POST /agents`: registers (or updates) an agent. */
export async function registerAgent(registry: PostgresAgentRegistry, governance: Governance, body: unknown) {
  const agent = parseRequest(agentBody, body, "body");
  await registry.upsert(agent);
  governance.invalidate(agent.id);
  return { id: agent.id, status: agent.status, confidence: agent.confidence ?? null };
}

/** `GET /agents/:id`. */
export async function getAgent(registry: PostgresAgentRegistry, id: string) {
  const agent = await registry.getAgent(id);
  if (!agent) throw new AgentNotFoundError({ agentId: id });
  return { id: agent.id, status: agent.status, confidence: agent.confidence ?? null };
}

const approvalHeader = z.object({ "x-approval-id": z.string().min(1).max(256).optional() });

/**
 * `POST /agents/:id/actions/:action`: the agent asks to perform an action; governance decides from the action's
 * complexity. Allowed → 200; an INTERN above its level → 202 with a proposal; a STUDENT → 403; unknown agent → 404.
 * After a person approved the proposal, the agent repeats the request with `X-Approval-ID` and is allowed once.
 */
export async function performAgentAction(
  governance: Governance,
  params: unknown,
  request: { method: string; path: string },
  headers: unknown,
) {
  const { id, action } = parseRequest(actionParams, params, "params");
  const { "x-approval-id": approvalId } = parseRequest(approvalHeader, headers, "headers");
  const decision = await governance.check({
    agentId: id,
    action,
    feature: "agents",
    request,
    ...(approvalId === undefined ? {} : { approvalId }),
  });
  if (decision.outcome !== "allow") throw toGovernanceError(decision);
  return { performed: action, agentId: id, agentMaturity: decision.agentMaturity, ...(approvalId ? { approvalId } : {}) };
}

const approveParams = z.object({ id: z.string().min(1).max(256) });
const approveBody = z.object({ by: z.string().min(1).max(64), note: z.string().max(500).optional() });

/**
 * `POST /proposals/:id/approve`: a person approves a pending proposal (in a real app, after checking that the
 * caller may). Unknown → 404 `PROPOSAL_NOT_FOUND`; already decided → 409 `PROPOSAL_ALREADY_DECIDED`.
 */
export async function approveProposal(governance: Governance, params: unknown, body: unknown) {
  const { id } = parseRequest(approveParams, params, "params");
  const { by, note } = parseRequest(approveBody, body, "body");
  const proposal = await governance.approve(id, { by, ...(note === undefined ? {} : { note }) });
  return { id: proposal.id, status: proposal.status, agentId: proposal.agentId, actionName: proposal.actionName, decidedBy: proposal.decidedBy };
}

/**
 * The governance options of `POST /invoices/:id/deliver`, shared by every host. The demo trusts the `X-Agent-ID`
 * header (opt-in: a real app verifies the agent with `resolveAgentId`, from a token the host checked), lets a person
 * without an agent id deliver, and binds approvals to the invoice (the concrete path), not to every invoice.
 */
export function deliverInvoiceGovernance(governance: Governance) {
  return {
    governance,
    complexity: 3,
    actionName: "deliver_invoice",
    feature: "ledger",
    agentIdSource: "header",
    allowUserInitiated: true,
    requestDigest: (request: { path: string }) => request.path,
  } as const;
}
