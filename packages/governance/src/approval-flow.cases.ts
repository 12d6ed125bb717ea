import { expect, it } from "vitest";
import { createGovernance, type Governance, type GovernanceOptions } from "./governance.js";
import { memoryAgentRegistry } from "./memory.js";
import type { ApprovalStore } from "./types.js";

/**
 * The approval flow, end to end through `createGovernance`, for any store that can decide and consume proposals.
 * Registered by the memory tests and by the Postgres tests (PGlite, or a real server with `DATABASE_URL`).
 */
export function approvalFlowCases(createStore: (clock: () => Date) => ApprovalStore | Promise<ApprovalStore>): void {
  let now = Date.parse("2026-05-01T09:00:00Z");
  const gate = async (
    options: Partial<GovernanceOptions> = {},
  ): Promise<{ governance: Governance; store: ApprovalStore }> => {
    const store = await createStore(() => new Date(now));
    const registry = memoryAgentRegistry([
      { id: "intern", status: "INTERN" },
      { id: "other-intern", status: "INTERN" },
    ]);
    return {
      store,
      governance: createGovernance({
        registry,
        approvals: store,
        clock: () => now,
        approvalTtlMs: 60_000,
        proposalTtlMs: 120_000,
        ...options,
      }),
    };
  };
  const ask = (governance: Governance, approvalId?: string, agentId = "intern", action = "send_email") =>
    governance.check({ agentId, action, ...(approvalId === undefined ? {} : { approvalId }) });

  it("an approved proposal lets the agent act once, for that action only", async () => {
    const { governance, store } = await gate();
    const asked = await ask(governance);
    expect(asked.outcome).toBe("approval_required");
    const id = asked.proposalId ?? "";

    expect((await ask(governance, id)).outcome).toBe("deny"); // still pending
    const approved = await governance.approve(id, { by: "alice", note: "ok for today" });
    expect(approved).toMatchObject({ id, status: "approved", decidedBy: "alice", note: "ok for today" });
    expect(approved.decidedAt).toBeInstanceOf(Date);

    expect((await ask(governance, id, "other-intern")).outcome).toBe("deny");
    expect((await ask(governance, id, "intern", "schedule")).outcome).toBe("deny");
    const allowed = await ask(governance, id);
    expect(allowed).toMatchObject({ outcome: "allow", proposalId: id });
    expect(allowed.reason).toContain("approved by alice");
    expect((await ask(governance, id)).outcome).toBe("deny"); // single use
    expect(await store.getProposal(id)).toMatchObject({ status: "used", usedAt: expect.any(Date) });
  });

  it("of many concurrent uses of one approval, exactly one is allowed", async () => {
    const { governance } = await gate();
    const id = (await ask(governance)).proposalId ?? "";
    await governance.approve(id, { by: "alice" });
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => ask(governance, id)));
    expect(outcomes.filter((d) => d.outcome === "allow")).toHaveLength(1);
  });

  it("an approval expires after approvalTtlMs", async () => {
    const { governance } = await gate();
    const id = (await ask(governance)).proposalId ?? "";
    await governance.approve(id, { by: "alice" });
    now += 60_001;
    expect((await ask(governance, id)).outcome).toBe("deny");
  });

  it("a rejected proposal never allows, and a decision is taken once", async () => {
    const { governance, store } = await gate();
    const id = (await ask(governance)).proposalId ?? "";
    const decisions = await Promise.allSettled([
      governance.reject(id, { by: "bob", note: "no" }),
      governance.approve(id, { by: "alice" }),
    ]);
    expect(decisions.filter((d) => d.status === "fulfilled")).toHaveLength(1);
    const loser = decisions.find((d) => d.status === "rejected") as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ code: "PROPOSAL_ALREADY_DECIDED", status: 409 });
    const final = await store.getProposal(id);
    expect(["approved", "rejected"]).toContain(final?.status);
    expect(loser.reason.details.status).toBe(final?.status);
    if (final?.status === "rejected") expect((await ask(governance, id)).outcome).toBe("deny");
  });

  it("refuses unknown proposals and invalid decisions without changing anything", async () => {
    const { governance, store } = await gate();
    await expect(governance.approve("no-such-proposal", { by: "alice" })).rejects.toMatchObject({
      code: "PROPOSAL_NOT_FOUND",
      status: 404,
    });
    const id = (await ask(governance)).proposalId ?? "";
    await expect(governance.approve(id, { by: "" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "by" }),
    });
    expect((await store.getProposal(id))?.status).toBe("pending");
  });

  const route = (method: string, path: string, digest?: string) => ({
    method,
    path,
    route: path,
    ...(digest === undefined ? {} : { digest }),
  });

  it("an approval is bound to the request it was asked for: method, route and digest", async () => {
    const { governance } = await gate();
    const asked = await governance.check({ agentId: "intern", complexity: 3, request: route("POST", "/emails", "d1") });
    expect(asked).toMatchObject({ outcome: "approval_required", actionName: "POST /emails" });
    const id = asked.proposalId ?? "";
    await governance.approve(id, { by: "alice" });
    const use = (request: ReturnType<typeof route>) => governance.check({ agentId: "intern", complexity: 3, request, approvalId: id });
    expect((await use(route("DELETE", "/accounts/1", "d1"))).outcome).toBe("deny");
    expect((await use(route("POST", "/emails", "d2"))).outcome).toBe("deny");
    expect(
      (await governance.check({ agentId: "intern", complexity: 3, actionName: "POST /emails", request: route("PUT", "/emails", "d1"), approvalId: id })).outcome,
    ).toBe("deny");
    expect((await use(route("POST", "/emails", "d1"))).outcome).toBe("allow");
  });

  it("an approval granted at one complexity does not allow a higher one of the same name", async () => {
    const { governance } = await gate();
    const id = (await governance.check({ agentId: "intern", complexity: 3, actionName: "act" })).proposalId ?? "";
    await governance.approve(id, { by: "alice" });
    expect((await governance.check({ agentId: "intern", complexity: 4, actionName: "act", approvalId: id })).outcome).toBe("deny");
    expect((await governance.check({ agentId: "intern", complexity: 3, actionName: "act", approvalId: id })).outcome).toBe("allow");
  });

  it("unnamed routes get their method and route as action name, so they never share one", async () => {
    const { governance } = await gate();
    const a = await governance.check({ agentId: "intern", complexity: 3, request: route("POST", "/emails") });
    const b = await governance.check({ agentId: "intern", complexity: 3, request: route("DELETE", "/accounts/:id") });
    expect([a.actionName, b.actionName]).toEqual(["POST /emails", "DELETE /accounts/:id"]);
    expect(a.proposalId).not.toBe(b.proposalId);
  });

  it("a retry of the same request gets the same pending proposal, until it expires", async () => {
    const { governance, store } = await gate();
    const ask = () => governance.check({ agentId: "intern", complexity: 3, request: route("POST", "/emails", "d1") });
    const first = (await ask()).proposalId;
    const retries = await Promise.all(Array.from({ length: 5 }, () => ask()));
    expect(new Set(retries.map((d) => d.proposalId))).toEqual(new Set([first]));
    const other = await governance.check({ agentId: "intern", complexity: 3, request: route("POST", "/emails", "d2") });
    expect(other.proposalId).not.toBe(first);
    now += 120_001;
    expect(await store.getProposal(first ?? "")).toMatchObject({ status: "expired" });
    await expect(governance.approve(first ?? "", { by: "alice" })).rejects.toMatchObject({
      code: "PROPOSAL_ALREADY_DECIDED",
      details: { proposal_id: first, status: "expired" },
    });
    const fresh = (await ask()).proposalId;
    expect(fresh).not.toBe(first);
  });

  it("refuses self-approval and approval by another agent unless allowed", async () => {
    const { governance, store } = await gate();
    const id = (await governance.check({ agentId: "intern", action: "send_email" })).proposalId ?? "";
    await expect(governance.approve(id, { by: "intern" })).rejects.toMatchObject({
      code: "PROPOSAL_APPROVER_REFUSED",
      status: 403,
      details: { proposal_id: id, approver: "self" },
    });
    await expect(governance.approve(id, { by: "other-intern" })).rejects.toMatchObject({
      code: "PROPOSAL_APPROVER_REFUSED",
      details: { proposal_id: id, approver: "agent" },
    });
    expect((await store.getProposal(id))?.status).toBe("pending");
    const lenient = await gate({ allowAgentApprovers: true });
    const other = (await lenient.governance.check({ agentId: "intern", action: "send_email" })).proposalId ?? "";
    await expect(lenient.governance.approve(other, { by: "intern" })).rejects.toMatchObject({ code: "PROPOSAL_APPROVER_REFUSED" });
    await expect(lenient.governance.approve(other, { by: "other-intern" })).resolves.toMatchObject({ status: "approved" });
  });
}
