import { describe, expect, it, vi } from "vitest";
import { createGovernance, type GovernanceAuditEvent, memoryAgentRegistry } from "./index.js";
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
    const guard = requireGovernance({ governance, complexity: 4, methods: ["post"], agentIdSource: "header" });
    await expect(guard(request({ method: "PUT", headers: { "x-agent-id": "student" } }).req)).resolves.toBeNull();
    await expect(guard(request({ headers: { "x-agent-id": "student" } }).req)).rejects.toMatchObject({ code: "GOVERNANCE_DENIED" });
    const every = requireGovernance({ governance, complexity: 4, methods: ["*"], agentIdSource: "header" });
    await expect(every(request({ method: "PURGE", headers: { "x-agent-id": "student" } }).req)).rejects.toMatchObject({ code: "GOVERNANCE_DENIED" });
    await expect(guard(request({ method: "PURGE", headers: { "x-agent-id": "student" } }).req)).resolves.toBeNull();
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      const any = requireGovernance({ governance, complexity: 4, agentIdSource: "header" });
      await expect(any(request({ method, headers: { "x-agent-id": "student" } }).req)).resolves.toBeNull();
    }
  });

  it("reads the agent id from one source only: the resolver when configured, else the opted-in source", async () => {
    const { governance } = gate();
    const resolved = requireGovernance<{ session?: string }>({ governance, complexity: 4, resolveAgentId: (raw) => raw.session });
    await expect(resolved(request({ headers: { "x-agent-id": "student" } }).req)).resolves.toMatchObject({
      agentId: "agent-from-session",
      outcome: "allow",
    });
    const noSession = requireGovernance({ governance, complexity: 4, resolveAgentId: () => null });
    const claimed = request({ headers: { "x-agent-id": "boss" }, query: { agent_id: "boss" }, body: { agent_id: "boss" } });
    await expect(noSession(claimed.req)).rejects.toMatchObject({ code: "GOVERNANCE_DENIED", details: expect.objectContaining({ agent_id: null }) });
    expect(claimed.body).not.toHaveBeenCalled();

    const fromBody = requireGovernance({ governance, complexity: 4, agentIdSource: "body", agentIdField: "bot" });
    await expect(fromBody(request({ query: { bot: "student" }, body: { bot: "boss" } }).req)).resolves.toMatchObject({ agentId: "boss" });
    const fromHeader = requireGovernance({ governance, complexity: 4, agentIdSource: "header", agentIdHeader: "X-Bot" });
    const headerOnly = request({ headers: { "x-bot": "boss" }, body: { agent_id: "student" } });
    await expect(fromHeader(headerOnly.req)).resolves.toMatchObject({ agentId: "boss" });
    expect(headerOnly.body).not.toHaveBeenCalled();
    await expect(fromHeader(request({ query: { agent_id: "boss" } }).req)).rejects.toMatchObject({ code: "GOVERNANCE_DENIED" });
  });

  it("bounds the host's resolver and digest by timeoutMs: a hang or a throw is a 503, never an allow", async () => {
    const { governance } = gate();
    const hanging = requireGovernance({ governance, complexity: 1, resolveAgentId: () => new Promise<string>(() => {}), timeoutMs: 20 });
    await expect(hanging(request().req)).rejects.toMatchObject({
      code: "GOVERNANCE_UNAVAILABLE",
      status: 503,
      details: { component: "agent resolver", agent_id: "" },
    });
    const throwing = requireGovernance({
      governance,
      complexity: 1,
      agentIdSource: "header",
      requestDigest: () => {
        throw new Error("body unreadable");
      },
    });
    await expect(throwing(request({ headers: { "x-agent-id": "student" } }).req)).rejects.toMatchObject({
      code: "GOVERNANCE_UNAVAILABLE",
      details: { component: "request digest", agent_id: "student" },
    });
  });

  it("needs exactly one identity source at creation", () => {
    const { governance } = gate();
    const refusal = expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "resolveAgentId" }) });
    expect(() => requireGovernance({ governance, complexity: 1 })).toThrow(refusal);
    expect(() => requireGovernance({ governance, complexity: 1, agentIdSource: "header", resolveAgentId: () => "boss" })).toThrow(refusal);
  });

  it("denies and audits a request that names no agent, unless people are allowed", async () => {
    const events: GovernanceAuditEvent[] = [];
    const governance = createGovernance({ registry: memoryAgentRegistry(), audit: (event) => void events.push(event) });
    const guard = requireGovernance({ governance, complexity: 2, agentIdSource: "header", feature: "mail" });
    await expect(guard(request().req)).rejects.toMatchObject({
      code: "GOVERNANCE_DENIED",
      status: 403,
      details: { agent_id: null, action_name: "POST /things", required_maturity: "INTERN" },
    });
    expect(events).toMatchObject([
      { type: "decision", outcome: "deny", agentId: null, actionName: "POST /things", feature: "mail", request: { method: "POST", path: "/things" } },
    ]);
    const people = requireGovernance({ governance, complexity: 2, agentIdSource: "header", allowUserInitiated: true });
    await expect(people(request().req)).resolves.toBeNull();
  });

  it("records the request with the decision and names the malformed source", async () => {
    const { governance } = gate();
    const guard = requireGovernance({ governance, action: "deploy", actionName: "deploy_app", agentIdSource: "header" });
    const byQuery = requireGovernance({ governance, action: "deploy", agentIdSource: "query" });
    await expect(guard(request({ headers: { "x-agent-id": "boss" } }).req)).resolves.toMatchObject({
      actionName: "deploy_app",
      complexity: 4,
    });
    await expect(byQuery(request({ query: { agent_id: "" } }).req)).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      status: 400,
      message: "[@atom/governance] agent_id (query) must be an agent id of 1 to 256 characters, with no control characters and no whitespace at either end",
      details: expect.objectContaining({ field: "agent_id (query)" }),
    });
    await expect(guard(request({ headers: { "x-agent-id": "x".repeat(257) } }).req)).rejects.toMatchObject({
      details: expect.objectContaining({ field: "x-agent-id" }),
    });
  });

  it("refuses invalid options at creation", () => {
    const { governance } = gate();
    expect(() => requireGovernance({ governance, agentIdSource: "header" })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "complexity" }) }),
    );
    expect(() => requireGovernance({ governance: {} as never, complexity: 1, agentIdSource: "header" })).toThrow(
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
    expect(toGovernanceError({ ...base, outcome: "deny", reason: "stored AUTONOMOUS, score 0.3", agentMaturity: "STUDENT" })).toMatchObject({
      code: "GOVERNANCE_DENIED",
      status: 403,
      message: 'Agent a may not perform "x", which requires SUPERVISED',
      details: { reason: 'Agent a may not perform "x", which requires SUPERVISED', agent_id: "a", action_name: "x", required_maturity: "SUPERVISED" },
    });
  });

  it("passes the X-Approval-ID header to check, so an approved agent repeats its request once", async () => {
    const registry = memoryAgentRegistry([{ id: "intern", status: "INTERN" }]);
    const governance = createGovernance({ registry });
    const guard = requireGovernance({ governance, action: "send_email", agentIdSource: "header" });
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
