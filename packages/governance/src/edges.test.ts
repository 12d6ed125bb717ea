import { describe, expect, it } from "vitest";
import {
  type AgentRegistry,
  createGovernance,
  type GovernanceAuditEvent,
  type GovernanceFlagsReader,
  memoryAgentRegistry,
  memoryApprovalStore,
} from "./index.js";

const STUDENT = () => memoryAgentRegistry([{ id: "s", status: "STUDENT" }, { id: "i", status: "INTERN" }]);

function reader(over: Record<string, unknown>): GovernanceFlagsReader {
  return {
    isGovernanceEnabled: () => true,
    isEmergencyBypassActive: () => false,
    shouldEnforceGovernance: () => true,
    ...over,
  } as GovernanceFlagsReader;
}

function gate(flags: GovernanceFlagsReader, extra: { timeoutMs?: number } = {}) {
  const events: GovernanceAuditEvent[] = [];
  const errors: unknown[] = [];
  const governance = createGovernance({
    registry: STUDENT(),
    flags,
    audit: (event) => void events.push(event),
    onError: (error) => void errors.push(error),
    ...extra,
  });
  return { governance, events, errors };
}

describe("flag readers: only an exact boolean changes the decision", () => {
  it.each([
    ["the string \"false\"", () => "false"],
    ["1", () => 1],
    ["undefined", () => undefined],
    ["a promise of \"true\"", () => Promise.resolve("true")],
    ["a rejected promise", () => Promise.reject(new Error("flag service down"))],
    ["a throw", () => { throw new Error("flag service down"); }],
  ])("a bypass reader returning %s enforces, audits and reports", async (_, isEmergencyBypassActive) => {
    const { governance, events, errors } = gate(reader({ isEmergencyBypassActive }));
    expect(await governance.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "deny", mode: "enforced" });
    expect(errors).toEqual([expect.objectContaining({ code: "GOVERNANCE_FLAG_INVALID", details: { reader: "isEmergencyBypassActive" } })]);
    expect(events.map((e) => [e.type, e.severity])).toEqual([
      ["misconfiguration", "critical"],
      ["decision", "warning"],
    ]);
  });

  it.each([
    ["undefined", () => undefined],
    ["null", () => null],
    ["\"false\"", () => "false"],
    ["a Promise of undefined", () => Promise.resolve(undefined)],
  ])("an enforcement reader returning %s enforces, audits and reports", async (_, shouldEnforceGovernance) => {
    const { governance, events, errors } = gate(reader({ shouldEnforceGovernance }));
    expect(await governance.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "deny", mode: "enforced" });
    expect(errors).toEqual([expect.objectContaining({ code: "GOVERNANCE_FLAG_INVALID", details: { reader: "shouldEnforceGovernance" } })]);
    expect(events[0]).toMatchObject({ type: "misconfiguration", agentId: "s", outcome: "deny" });
  });

  it("async readers are supported: a Promise of true bypasses, a Promise of false disables", async () => {
    const bypass = gate(reader({ isEmergencyBypassActive: async () => true }));
    expect(await bypass.governance.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "allow", mode: "emergency_bypass" });
    const enforced = gate(reader({ isEmergencyBypassActive: async () => false }));
    expect(await enforced.governance.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "deny", mode: "enforced" });
    const disabled = gate(reader({ shouldEnforceGovernance: async () => false }));
    expect(await disabled.governance.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "allow", mode: "governance_disabled" });
    expect([...bypass.errors, ...enforced.errors, ...disabled.errors]).toEqual([]);
  });

  it("an async reader that never settles is cut off at timeoutMs: enforced and reported", async () => {
    const { governance, errors } = gate(reader({ isEmergencyBypassActive: () => new Promise(() => {}) }), { timeoutMs: 20 });
    expect(await governance.check({ agentId: "s", complexity: 4 })).toMatchObject({ outcome: "deny", mode: "enforced" });
    expect(errors).toEqual([expect.objectContaining({ code: "GOVERNANCE_FLAG_INVALID" })]);
  });
});

describe("bounded and audited edges", () => {
  it("an audit sink that never settles does not hold the check past timeoutMs", async () => {
    const failures: unknown[] = [];
    const governance = createGovernance({
      registry: STUDENT(),
      audit: () => new Promise(() => {}),
      onAuditError: (error) => void failures.push(error),
      timeoutMs: 20,
    });
    expect(await governance.check({ agentId: "s", complexity: 1 })).toMatchObject({ outcome: "allow" });
    expect(failures).toHaveLength(1);
  });

  it("a record whose getter throws is a registry failure (503), not a 500", async () => {
    const record = Object.defineProperty({ id: "s" }, "status", {
      enumerable: true,
      get() {
        throw new Error("lazy column failed");
      },
    });
    const registry: AgentRegistry = { getAgent: async () => record as never, adjustConfidence: async () => null };
    const governance = createGovernance({ registry });
    await expect(governance.check({ agentId: "s", complexity: 1 })).rejects.toMatchObject({
      code: "GOVERNANCE_UNAVAILABLE",
      status: 503,
    });
  });

  it("a proposal whose getter throws is an approval store failure (503)", async () => {
    const proposal = Object.defineProperty({}, "id", {
      get() {
        throw new Error("boom");
      },
    });
    const governance = createGovernance({
      registry: STUDENT(),
      approvals: { createProposal: async () => proposal as never, getProposal: async () => null },
    });
    await expect(governance.check({ agentId: "i", complexity: 4 })).rejects.toMatchObject({ code: "GOVERNANCE_UNAVAILABLE" });
  });

  it("audits 404s, 503s and approve/reject decisions", async () => {
    const events: GovernanceAuditEvent[] = [];
    const approvals = memoryApprovalStore();
    const governance = createGovernance({ registry: STUDENT(), approvals, audit: (event) => void events.push(event) });
    await expect(governance.check({ agentId: "ghost", complexity: 1 })).rejects.toMatchObject({ code: "AGENT_NOT_FOUND" });
    const broken = createGovernance({
      registry: { getAgent: async () => Promise.reject(new Error("down")), adjustConfidence: async () => null },
      audit: (event) => void events.push(event),
    });
    await expect(broken.check({ agentId: "s", complexity: 1 })).rejects.toMatchObject({ code: "GOVERNANCE_UNAVAILABLE" });
    const first = (await governance.check({ agentId: "i", complexity: 4, actionName: "one" })).proposalId ?? "";
    const second = (await governance.check({ agentId: "i", complexity: 4, actionName: "two" })).proposalId ?? "";
    await governance.approve(first, { by: "alice" });
    await governance.reject(second, { by: "bob", note: "no" });
    await expect(governance.approve(first, { by: "alice" })).rejects.toMatchObject({ code: "PROPOSAL_ALREADY_DECIDED" });
    expect(events.map((e) => [e.type, e.outcome, e.errorCode ?? null])).toEqual([
      ["error", "deny", "AGENT_NOT_FOUND"],
      ["error", "deny", "GOVERNANCE_UNAVAILABLE"],
      ["decision", "approval_required", null],
      ["decision", "approval_required", null],
      ["proposal_decision", "approved", null],
      ["proposal_decision", "rejected", null],
      ["error", "deny", "PROPOSAL_ALREADY_DECIDED"],
    ]);
    expect(events[4]).toMatchObject({ agentId: "i", actionName: "one", proposalId: first, decidedBy: "alice" });
  });
});

describe("options and inputs that would break at use are refused where they are given", () => {
  const registry = STUDENT();
  const refused = (field: string) => expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field }) });

  it("timeoutMs beyond what a Node timer holds (it would fire at once: every check a 503)", async () => {
    expect(() => createGovernance({ registry, timeoutMs: 3_000_000_000 })).toThrow(refused("timeoutMs"));
    const slow: AgentRegistry = {
      getAgent: async (id) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { id, status: "AUTONOMOUS" };
      },
      adjustConfidence: async () => 1,
    };
    const longest = createGovernance({ registry: slow, timeoutMs: 2_147_483_647 });
    await expect(longest.check({ agentId: "a", complexity: 1 })).resolves.toMatchObject({ outcome: "allow" });
  });

  it("proposal and approval lifetimes past what a Date holds", () => {
    expect(() => createGovernance({ registry, proposalTtlMs: 1e15 })).toThrow(refused("proposalTtlMs"));
    expect(() => createGovernance({ registry, approvalTtlMs: 1e15 })).toThrow(refused("approvalTtlMs"));
  });

  it("denyUnidentified validates its input instead of throwing a TypeError", async () => {
    const governance = createGovernance({ registry });
    await expect(governance.denyUnidentified(undefined as never)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    await expect(governance.denyUnidentified({ complexity: 1, actionName: "x", request: 5 as never })).rejects.toThrow(refused("request"));
    await expect(governance.denyUnidentified({ complexity: 3, actionName: "x" })).resolves.toMatchObject({ code: "GOVERNANCE_DENIED" });
  });
});
