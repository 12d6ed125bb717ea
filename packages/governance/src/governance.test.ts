import { describe, expect, it, vi } from "vitest";
import { approvalFlowCases } from "./approval-flow.cases.js";
import {
  AGENT_MATURITIES,
  type AgentRegistry,
  type ApprovalStore,
  type AgentStatus,
  createGovernance,
  type GovernanceAuditEvent,
  type GovernanceFlagsReader,
  INACTIVE_STATUSES,
  memoryAgentRegistry,
  memoryApprovalStore,
  requestFingerprint,
} from "./index.js";

const ALL_STATUSES: AgentStatus[] = [...AGENT_MATURITIES, ...INACTIVE_STATUSES];
const REQUIRED = ["STUDENT", "INTERN", "SUPERVISED", "AUTONOMOUS"] as const;

function expected(status: AgentStatus, complexity: number): "allow" | "deny" | "approval_required" {
  const rank = AGENT_MATURITIES.indexOf(status as (typeof AGENT_MATURITIES)[number]);
  if (rank < 0) return "deny";
  if (rank >= complexity - 1) return "allow";
  return status === "INTERN" ? "approval_required" : "deny";
}

function flags(over: Partial<GovernanceFlagsReader> = {}): GovernanceFlagsReader {
  return {
    isGovernanceEnabled: () => true,
    isEmergencyBypassActive: () => false,
    shouldEnforceGovernance: () => true,
    ...over,
  };
}

describe("createGovernance check: maturity × complexity × status", () => {
  const cases = ALL_STATUSES.flatMap((status) => [1, 2, 3, 4].map((complexity) => [status, complexity] as const));

  it.each(cases)("%s agent, complexity %i", async (status, complexity) => {
    const approvals = memoryApprovalStore();
    const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "a1", status }]), approvals });
    const decision = await governance.check({ agentId: "a1", complexity, actionName: "act" });
    const outcome = expected(status, complexity);
    expect(decision).toMatchObject({
      outcome,
      agentId: "a1",
      actionName: "act",
      complexity,
      mode: "enforced",
      agentMaturity: status,
      requiredMaturity: REQUIRED[complexity - 1],
    });
    expect(approvals.list()).toHaveLength(outcome === "approval_required" ? 1 : 0);
    expect(decision.proposalId).toBe(outcome === "approval_required" ? approvals.list()[0]?.id : undefined);
  });

  it("says why in the reason", async () => {
    const governance = createGovernance({
      registry: memoryAgentRegistry([
        { id: "student", status: "STUDENT" },
        { id: "intern", status: "INTERN" },
        { id: "paused", status: "PAUSED" },
        { id: "faked", status: "AUTONOMOUS", confidence: 0.55 },
      ]),
    });
    await expect(governance.check({ agentId: "student", action: "delete" })).resolves.toMatchObject({
      reason: 'Agent student (STUDENT) may not perform "delete", which requires AUTONOMOUS',
    });
    await expect(governance.check({ agentId: "intern", action: "create" })).resolves.toMatchObject({
      reason: 'Agent intern (INTERN) needs approval to perform "create", which requires SUPERVISED',
    });
    await expect(governance.check({ agentId: "paused", action: "read" })).resolves.toMatchObject({
      outcome: "deny",
      reason: "Agent paused is PAUSED and may not act",
    });
    await expect(governance.check({ agentId: "faked", action: "deploy" })).resolves.toMatchObject({
      outcome: "approval_required",
      agentMaturity: "INTERN",
      reason: 'Agent faked (INTERN (stored AUTONOMOUS, confidence 0.55 allows INTERN)) needs approval to perform "deploy", which requires AUTONOMOUS',
    });
    await expect(governance.check({ agentId: "student", action: "read" })).resolves.toMatchObject({
      outcome: "allow",
      reason: 'Agent student (STUDENT) may perform "read"',
    });
  });

  it("uses the action table with overrides, unknown actions and complexities failing closed as CRITICAL", async () => {
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "s", status: "SUPERVISED" }]),
      actions: { export_report: 2, update: 4 },
    });
    expect((await governance.check({ agentId: "s", action: "export_report" })).complexity).toBe(2);
    expect(await governance.check({ agentId: "s", action: "update" })).toMatchObject({ outcome: "deny", complexity: 4 });
    expect(await governance.check({ agentId: "s", action: "mystery" })).toMatchObject({ outcome: "deny", complexity: 4 });
    expect(await governance.check({ agentId: "s", complexity: 7 })).toMatchObject({
      outcome: "deny",
      complexity: 4,
      actionName: "complexity:4",
    });
    expect(await governance.check({ agentId: "s", complexity: 1, action: "delete" })).toMatchObject({ outcome: "allow" });
    expect(governance.complexityOf("export_report")).toBe(2);
  });

  it("records the proposal with the request, reason and tenant", async () => {
    const approvals = memoryApprovalStore({ clock: () => new Date("2026-01-01T00:00:00Z") });
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "i", status: "INTERN", tenantId: "t1" }]),
      approvals,
      clock: () => Date.parse("2026-01-01T00:00:00Z"),
    });
    const decision = await governance.check({ agentId: "i", action: "send_email", request: { method: "POST", path: "/mail" } });
    expect(await approvals.getProposal(decision.proposalId ?? "")).toEqual({
      id: decision.proposalId,
      status: "pending",
      createdAt: new Date("2026-01-01T00:00:00Z"),
      agentId: "i",
      actionName: "send_email",
      complexity: 3,
      agentMaturity: "INTERN",
      requiredMaturity: "SUPERVISED",
      reason: 'Agent i (INTERN) needs approval to perform "send_email", which requires SUPERVISED',
      request: { method: "POST", path: "/mail" },
      tenantId: "t1",
      fingerprint: requestFingerprint({ method: "POST", path: "/mail" }),
      expiresAt: new Date("2026-01-02T00:00:00Z"),
    });
  });
});

describe("createGovernance fails closed", () => {
  const broken = (getAgent: AgentRegistry["getAgent"]): AgentRegistry => ({ getAgent, adjustConfidence: async () => null });

  it("throws AGENT_NOT_FOUND for an unknown agent", async () => {
    const governance = createGovernance({ registry: memoryAgentRegistry() });
    await expect(governance.check({ agentId: "ghost", complexity: 1 })).rejects.toMatchObject({
      code: "AGENT_NOT_FOUND",
      status: 404,
      message: "Agent not found (ID: ghost)",
    });
  });

  it.each([
    ["throws", broken(async () => Promise.reject(new Error("connection refused")))],
    ["throws synchronously", broken(() => { throw new Error("boom"); })],
    ["returns a bad status", broken(async () => ({ id: "a", status: "GOD" }) as never)],
    ["returns a score out of range", broken(async () => ({ id: "a", status: "STUDENT", confidence: 3 }))],
    ["returns a string", broken(async () => "AUTONOMOUS" as never)],
    ["returns another agent", broken(async () => ({ id: "b", status: "AUTONOMOUS" }))],
  ])("answers GOVERNANCE_UNAVAILABLE (503) when the registry %s", async (_, registry) => {
    const governance = createGovernance({ registry });
    const attempt = governance.check({ agentId: "a", complexity: 1 });
    await expect(attempt).rejects.toMatchObject({
      code: "GOVERNANCE_UNAVAILABLE",
      status: 503,
      message: "[@atom/governance] agent registry unavailable; the action was not allowed",
      details: { component: "agent registry", agent_id: "a" },
    });
  });

  it("answers GOVERNANCE_UNAVAILABLE when the registry times out", async () => {
    vi.useFakeTimers();
    try {
      const governance = createGovernance({ registry: broken(() => new Promise(() => {})), timeoutMs: 50 });
      const attempt = governance.check({ agentId: "a", complexity: 1 });
      const assertion = expect(attempt).rejects.toMatchObject({ code: "GOVERNANCE_UNAVAILABLE" });
      await vi.advanceTimersByTimeAsync(50);
      await assertion;
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers GOVERNANCE_UNAVAILABLE when the approval store fails, never approval_required or allow", async () => {
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "i", status: "INTERN" }]),
      approvals: { createProposal: async () => Promise.reject(new Error("disk full")), getProposal: async () => null },
    });
    await expect(governance.check({ agentId: "i", complexity: 3 })).rejects.toMatchObject({
      code: "GOVERNANCE_UNAVAILABLE",
      details: { component: "approval store", agent_id: "i" },
    });
  });

  it("answers GOVERNANCE_UNAVAILABLE when the approval store returns no proposal id", async () => {
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "i", status: "INTERN" }]),
      approvals: { createProposal: async () => ({}) as never, getProposal: async () => null },
    });
    await expect(governance.check({ agentId: "i", complexity: 4 })).rejects.toMatchObject({
      code: "GOVERNANCE_UNAVAILABLE",
      details: { component: "approval store", agent_id: "i" },
    });
  });

  it("enforces when the flag source throws", async () => {
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "s", status: "STUDENT" }]),
      flags: flags({
        isEmergencyBypassActive: () => {
          throw new Error("flag store down");
        },
      }),
    });
    expect(await governance.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "deny", mode: "enforced" });
  });

  it("rejects invalid input with VALIDATION_ERROR naming the field", async () => {
    const governance = createGovernance({ registry: memoryAgentRegistry() });
    await expect(governance.check({ agentId: "", complexity: 1 })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "agentId" }),
    });
    await expect(governance.check({ agentId: "a" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "complexity" }),
    });
    expect(() => memoryApprovalStore({ clock: "now" as never })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "clock" }) }),
    );
    expect(() => createGovernance({ registry: {} as AgentRegistry })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "registry" }) }),
    );
  });
});

describe("createGovernance flags and audit", () => {
  it("allows and audits when governance is disabled for the feature, without a registry call", async () => {
    const events: GovernanceAuditEvent[] = [];
    const registry = memoryAgentRegistry();
    const getAgent = vi.spyOn(registry, "getAgent");
    const governance = createGovernance({
      registry,
      flags: flags({ shouldEnforceGovernance: (feature) => feature !== "browser" }),
      audit: (event) => void events.push(event),
      clock: () => Date.parse("2026-02-03T04:05:06Z"),
    });
    const decision = await governance.check({ agentId: "x", action: "deploy", feature: "browser" });
    expect(decision).toEqual({
      outcome: "allow",
      mode: "governance_disabled",
      agentId: "x",
      actionName: "deploy",
      complexity: 4,
      agentMaturity: null,
      requiredMaturity: "AUTONOMOUS",
      reason: 'Governance is disabled for feature "browser"',
    });
    expect(getAgent).not.toHaveBeenCalled();
    expect(events).toEqual([
      {
        type: "governance_disabled",
        severity: "info",
        outcome: "allow",
        agentId: "x",
        actionName: "deploy",
        complexity: 4,
        agentMaturity: null,
        requiredMaturity: "AUTONOMOUS",
        reason: 'Governance is disabled for feature "browser"',
        feature: "browser",
        at: new Date("2026-02-03T04:05:06Z"),
      },
    ]);
    await expect(governance.check({ agentId: "x", action: "deploy", feature: "other" })).rejects.toMatchObject({
      code: "AGENT_NOT_FOUND",
    });
  });

  it("allows under the emergency bypass with a critical audit event", async () => {
    const events: GovernanceAuditEvent[] = [];
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "s", status: "STUDENT" }]),
      flags: flags({ isEmergencyBypassActive: () => true }),
      audit: (event) => void events.push(event),
    });
    const decision = await governance.check({ agentId: "s", action: "delete" });
    expect(decision).toMatchObject({
      outcome: "allow",
      mode: "emergency_bypass",
      reason: 'Emergency bypass active: "delete" allowed without a governance check',
    });
    expect(events).toMatchObject([{ type: "emergency_bypass", severity: "critical", outcome: "allow", feature: "default" }]);
  });

  it("audits every enforced decision and keeps the decision when the sink fails", async () => {
    const events: GovernanceAuditEvent[] = [];
    const failures: unknown[] = [];
    const registry = memoryAgentRegistry([
      { id: "s", status: "STUDENT", tenantId: "t9" },
      { id: "i", status: "INTERN" },
    ]);
    const governance = createGovernance({ registry, audit: (event) => void events.push(event) });
    const request = { method: "POST", path: "/x", headers: { authorization: "Bearer secret" } };
    await governance.check({ agentId: "s", complexity: 1, request });
    await governance.check({ agentId: "s", complexity: 2 });
    const approval = await governance.check({ agentId: "i", complexity: 2 + 1 });
    expect(events.map((e) => [e.type, e.outcome, e.severity])).toEqual([
      ["decision", "allow", "info"],
      ["decision", "deny", "warning"],
      ["decision", "approval_required", "warning"],
    ]);
    expect(events[0]).toMatchObject({ tenantId: "t9" });
    expect(events[0]?.request).toEqual({ method: "POST", path: "/x" });
    expect(events[2]?.proposalId).toBe(approval.proposalId);

    const failing = createGovernance({
      registry,
      audit: () => Promise.reject(new Error("audit db down")),
      onAuditError: (error) => failures.push(error),
    });
    expect(await failing.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "deny" });
    expect(failures).toEqual([new Error("audit db down")]);
  });
});

describe("createGovernance cache and outcomes", () => {
  it("caches lookups for the TTL, makes one registry call for concurrent checks, and invalidates", async () => {
    let now = 0;
    const registry = memoryAgentRegistry([{ id: "a", status: "STUDENT" }]);
    const getAgent = vi.spyOn(registry, "getAgent");
    const governance = createGovernance({ registry, cacheTtlMs: 1_000, clock: () => now, watchRegistry: false });
    await Promise.all(Array.from({ length: 20 }, () => governance.check({ agentId: "a", complexity: 1 })));
    expect(getAgent).toHaveBeenCalledTimes(1);

    registry.upsert({ id: "a", status: "AUTONOMOUS" });
    now = 999;
    expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("deny");
    now = 1_000;
    expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("allow");
    expect(getAgent).toHaveBeenCalledTimes(2);

    registry.upsert({ id: "a", status: "PAUSED" });
    governance.invalidate("a");
    expect((await governance.check({ agentId: "a", complexity: 1 })).outcome).toBe("deny");
    registry.upsert({ id: "a", status: "STUDENT" });
    governance.invalidate();
    expect((await governance.check({ agentId: "a", complexity: 1 })).outcome).toBe("allow");
    expect(getAgent).toHaveBeenCalledTimes(4);
  });

  it("without an injected clock, a cached agent expires by timer after the TTL (no clock read per check)", async () => {
    vi.useFakeTimers();
    try {
      const registry = memoryAgentRegistry([{ id: "a", status: "STUDENT" }]);
      const getAgent = vi.spyOn(registry, "getAgent");
      const governance = createGovernance({ registry, cacheTtlMs: 1_000, watchRegistry: false });
      await governance.check({ agentId: "a", complexity: 1 });
      registry.upsert({ id: "a", status: "AUTONOMOUS" });
      await vi.advanceTimersByTimeAsync(999);
      expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("deny");
      await vi.advanceTimersByTimeAsync(1);
      expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("allow");
      expect(getAgent).toHaveBeenCalledTimes(2);
      governance.invalidate();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("memoizes allow and deny decisions with the cached agent, frozen, and never approval proposals", async () => {
    const approvals = memoryApprovalStore();
    const registry = memoryAgentRegistry([{ id: "a", status: "INTERN" }]);
    const governance = createGovernance({ registry, approvals });
    const first = await governance.check({ agentId: "a", complexity: 1 });
    expect(await governance.check({ agentId: "a", complexity: 1 })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(await governance.check({ agentId: "a", complexity: 1, actionName: "other" })).not.toBe(first);
    const p1 = await governance.check({ agentId: "a", complexity: 3, request: { method: "POST", path: "/x", digest: "1" } });
    const p2 = await governance.check({ agentId: "a", complexity: 3, request: { method: "POST", path: "/x", digest: "2" } });
    expect(p1.proposalId).not.toBe(p2.proposalId);
    expect(approvals.list()).toHaveLength(2);
    governance.invalidate("a");
    expect(await governance.check({ agentId: "a", complexity: 1 })).not.toBe(first);
  });

  it("does not cache a lookup that was invalidated while in flight, nor failures or unknown agents", async () => {
    let release: (value: { id: string; status: AgentStatus }) => void = () => {};
    let called: () => void = () => {};
    const firstCall = new Promise<void>((resolve) => (called = resolve));
    let calls = 0;
    const registry: AgentRegistry = {
      getAgent: async () => {
        calls += 1;
        if (calls === 1) {
          called();
          return new Promise((resolve) => (release = resolve));
        }
        if (calls === 2) throw new Error("flaky");
        if (calls === 3) return null;
        return { id: "a", status: "STUDENT" };
      },
      adjustConfidence: async () => null,
    };
    const governance = createGovernance({ registry });
    const first = governance.check({ agentId: "a", complexity: 4 });
    await firstCall;
    governance.invalidate("a");
    release({ id: "a", status: "AUTONOMOUS" });
    expect((await first).outcome).toBe("allow");
    await expect(governance.check({ agentId: "a", complexity: 4 })).rejects.toMatchObject({ code: "GOVERNANCE_UNAVAILABLE" });
    await expect(governance.check({ agentId: "a", complexity: 4 })).rejects.toMatchObject({ code: "AGENT_NOT_FOUND" });
    expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("deny");
    expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("deny");
    expect(calls).toBe(4);
  });

  it("adjusts confidence by impact, clamps it, and takes effect at once", async () => {
    const registry = memoryAgentRegistry([
      { id: "a", status: "AUTONOMOUS", confidence: 0.9 },
      { id: "b", status: "INTERN" },
      { id: "c", status: "STUDENT", confidence: 0.999 },
    ]);
    const governance = createGovernance({ registry });
    expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("allow");
    await expect(governance.recordOutcome("a", false)).resolves.toBeCloseTo(0.88);
    expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("deny");
    await expect(governance.recordOutcome("a", true, { impact: "high" })).resolves.toBeCloseTo(0.93);
    await expect(governance.recordOutcome("a", false, { impact: "high" })).resolves.toBeCloseTo(0.83);
    await expect(governance.recordOutcome("b", true)).resolves.toBeCloseTo(0.51);
    await expect(governance.recordOutcome("c", true, { impact: "high" })).resolves.toBe(1);
    await expect(governance.recordOutcome("ghost", true)).rejects.toMatchObject({ code: "AGENT_NOT_FOUND" });
    await expect(governance.recordOutcome("a", true, { impact: "huge" as "high" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "impact" }),
    });
  });
});

describe("approvals (memory store)", () => {
  approvalFlowCases((clock) => memoryApprovalStore({ clock }));

  it("a store that can only record proposals says so instead of approving", async () => {
    const recordOnly: ApprovalStore = {
      createProposal: async (input) => ({ ...input, id: "p-1", status: "pending", createdAt: new Date() }),
      getProposal: async () => null,
    };
    const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "i", status: "INTERN" }]), approvals: recordOnly });
    await expect(governance.approve("p-1", { by: "alice" })).rejects.toMatchObject({ code: "GOVERNANCE_APPROVALS_UNSUPPORTED" });
    await expect(governance.check({ agentId: "i", action: "send_email", approvalId: "p-1" })).rejects.toMatchObject({
      code: "GOVERNANCE_APPROVALS_UNSUPPORTED",
    });
  });
});
