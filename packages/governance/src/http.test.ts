import { describe, expect, it, vi } from "vitest";
import { createGovernance, memoryAgentRegistry } from "./index.js";
import { type GovernedHttpRequest, requireGovernance, toGovernanceError } from "./http.js";

function request(over: Partial<{ method: string; headers: Record<string, string>; query: Record<string, string>; body: unknown }> = {}) {
  const headers = over.headers ?? {};
  const query = over.query ?? {};
  const body = vi.fn(() => over.body);
  const req: GovernedHttpRequest<{ session?: string }> = {
    method: over.method ?? "POST",
    path: "/things",
    header: (name) => headers[name],
    query: (name) => query[name],
    body,
    raw: { session: "agent-from-session" },
  };
  return { req, body };
}

function gate() {
  const registry = memoryAgentRegistry([
    { id: "student", status: "STUDENT" },
    { id: "agent-from-session", status: "AUTONOMOUS" },
    { id: "boss", status: "AUTONOMOUS" },
  ]);
  return { registry, governance: createGovernance({ registry }) };
}

describe("requireGovernance (framework-agnostic)", () => {
  it("checks only the configured methods, case-insensitively", async () => {
    const { governance } = gate();
    const guard = requireGovernance({ governance, complexity: 4, methods: ["post"] });
    await expect(guard(request({ method: "PUT", headers: { "x-agent-id": "student" } }).req)).resolves.toBeNull();
    await expect(guard(request({ headers: { "x-agent-id": "student" } }).req)).rejects.toMatchObject({ code: "GOVERNANCE_DENIED" });
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      await expect(requireGovernance({ governance, complexity: 4 })(request({ method, headers: { "x-agent-id": "student" } }).req)).resolves.toBeNull();
    }
  });

  it("takes the agent id from the resolver first, then the sources in order, reading the body only when needed", async () => {
    const { governance } = gate();
    const resolved = requireGovernance<{ session?: string }>({ governance, complexity: 4, resolveAgentId: (raw) => raw.session });
    await expect(resolved(request({ headers: { "x-agent-id": "student" } }).req)).resolves.toMatchObject({
      agentId: "agent-from-session",
      outcome: "allow",
    });
    const fallback = requireGovernance({ governance, complexity: 4, resolveAgentId: () => null });
    await expect(fallback(request({ headers: { "x-agent-id": "boss" } }).req)).resolves.toMatchObject({ agentId: "boss" });

    const custom = requireGovernance({
      governance,
      complexity: 4,
      agentIdSources: ["body", "query"],
      agentIdHeader: "X-Bot",
      agentIdField: "bot",
    });
    const fromBody = request({ query: { bot: "student" }, body: { bot: "boss" } });
    await expect(custom(fromBody.req)).resolves.toMatchObject({ agentId: "boss" });
    const fromQuery = request({ query: { bot: "boss" }, headers: { "x-bot": "student" } });
    await expect(custom(fromQuery.req)).resolves.toMatchObject({ agentId: "boss" });

    const headerOnly = request({ headers: { "x-agent-id": "boss" }, body: { agent_id: "student" } });
    await requireGovernance({ governance, complexity: 4 })(headerOnly.req);
    expect(headerOnly.body).not.toHaveBeenCalled();
  });

  it("records the request with the decision and names the malformed source", async () => {
    const { governance } = gate();
    const guard = requireGovernance({ governance, action: "deploy", actionName: "deploy_app" });
    await expect(guard(request({ headers: { "x-agent-id": "boss" } }).req)).resolves.toMatchObject({
      actionName: "deploy_app",
      complexity: 4,
    });
    await expect(guard(request({ query: { agent_id: "" } }).req)).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      status: 400,
      message: "[@atom/governance] agent_id (query) must be an agent id of 1 to 256 characters",
      details: expect.objectContaining({ field: "agent_id (query)" }),
    });
    await expect(guard(request({ headers: { "x-agent-id": "x".repeat(257) } }).req)).rejects.toMatchObject({
      details: expect.objectContaining({ field: "x-agent-id" }),
    });
  });

  it("refuses invalid options at creation", () => {
    const { governance } = gate();
    expect(() => requireGovernance({ governance })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "complexity" }) }),
    );
    expect(() => requireGovernance({ governance: {} as never, complexity: 1 })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: "governance" }) }),
    );
  });

  it("maps decisions to errors", () => {
    const base = { agentId: "a", actionName: "x", complexity: 3 as const, requiredMaturity: "SUPERVISED" as const, mode: "enforced" as const };
    expect(toGovernanceError({ ...base, outcome: "allow", reason: "ok", agentMaturity: "AUTONOMOUS" })).toBeUndefined();
    expect(toGovernanceError({ ...base, outcome: "approval_required", reason: "r", agentMaturity: "INTERN", proposalId: "p1" })).toMatchObject({
      code: "GOVERNANCE_APPROVAL_REQUIRED",
      status: 202,
      severity: "info",
      expose: true,
      details: { proposal_id: "p1", agent_maturity: "INTERN", required_maturity: "SUPERVISED" },
    });
    expect(toGovernanceError({ ...base, outcome: "deny", reason: "no", agentMaturity: "STUDENT" })).toMatchObject({
      code: "GOVERNANCE_DENIED",
      status: 403,
      message: "no",
    });
  });

  it("passes the X-Approval-ID header to check, so an approved agent repeats its request once", async () => {
    const registry = memoryAgentRegistry([{ id: "intern", status: "INTERN" }]);
    const governance = createGovernance({ registry });
    const guard = requireGovernance({ governance, action: "send_email" });
    const asked = guard(request({ headers: { "x-agent-id": "intern" } }).req);
    const error = await asked.then(() => undefined, (e: { details: { proposal_id: string } }) => e);
    const proposalId = error?.details.proposal_id ?? "";
    await governance.approve(proposalId, { by: "alice" });
    const again = request({ headers: { "x-agent-id": "intern", "x-approval-id": proposalId } }).req;
    await expect(guard(again)).resolves.toMatchObject({ outcome: "allow", proposalId });
    await expect(guard(again)).rejects.toMatchObject({ code: "GOVERNANCE_DENIED" });
    await expect(guard(request({ headers: { "x-agent-id": "intern", "x-approval-id": "x".repeat(300) } }).req)).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "x-approval-id" }),
    });
  });
});
