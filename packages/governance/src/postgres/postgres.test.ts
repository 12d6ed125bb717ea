import { createSqlExecutor } from "@atom/sql";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalFlowCases } from "../approval-flow.cases.js";
import { createGovernance, requestFingerprint } from "../index.js";
import { migrate, postgresAgentRegistry, postgresApprovalStore, postgresAuditSink } from "../postgres.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  expect((await migrate(db.client)).applied).toEqual([1, 2, 3]);
}, 60_000);
afterAll(() => db.close());

describe("@atom/governance/postgres", () => {
  it("migrates once", async () => {
    expect((await migrate(db.client)).applied).toEqual([]);
  });

  it("stores agents, validates upserts, and adjusts confidence atomically with clamping", async () => {
    const registry = postgresAgentRegistry({ pool: db.client });
    await registry.upsert({ id: "pg-a", status: "SUPERVISED", tenantId: "t1" });
    expect(await registry.getAgent("pg-a")).toEqual({ id: "pg-a", status: "SUPERVISED", confidence: null, tenantId: "t1" });
    expect(await registry.getAgent("nobody")).toBeNull();
    await expect(registry.upsert({ id: "pg-b", status: "BOSS" as never })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "status" }),
    });
    await expect(registry.upsert({ id: "pg-b", status: "INTERN", confidence: 1.5 })).rejects.toMatchObject({
      details: expect.objectContaining({ field: "confidence" }),
    });
    expect(await registry.getAgent("pg-b")).toBeNull();

    const results = await Promise.all(Array.from({ length: 10 }, () => registry.adjustConfidence("pg-a", 0.01, 0.7)));
    expect(Math.max(...results.map(Number))).toBeCloseTo(0.8);
    expect((await registry.getAgent("pg-a"))?.confidence).toBeCloseTo(0.8);
    expect(await registry.adjustConfidence("pg-a", 5, 0)).toBe(1);
    expect(await registry.adjustConfidence("pg-a", -5, 0)).toBe(0);
    expect(await registry.adjustConfidence("nobody", 0.1, 0)).toBeNull();
  });

  it("runs the gate end to end: proposals, audit rows and recordOutcome", async () => {
    const registry = postgresAgentRegistry({ pool: db.client });
    const approvals = postgresApprovalStore({ pool: db.client, clock: () => new Date("2026-03-01T00:00:00Z") });
    const governance = createGovernance({
      registry,
      approvals,
      audit: postgresAuditSink({ pool: db.client }),
      clock: () => Date.parse("2026-03-01T00:00:01Z"),
    });
    await registry.upsert({ id: "pg-intern", status: "INTERN", tenantId: "t2" });
    const decision = await governance.check({
      agentId: "pg-intern",
      action: "deploy",
      request: { method: "POST", path: "/deployments" },
    });
    expect(decision.outcome).toBe("approval_required");
    expect(await approvals.getProposal(decision.proposalId ?? "")).toEqual({
      id: decision.proposalId,
      agentId: "pg-intern",
      actionName: "deploy",
      complexity: 4,
      agentMaturity: "INTERN",
      requiredMaturity: "AUTONOMOUS",
      reason: 'Agent pg-intern (INTERN) needs approval to perform "deploy", which requires AUTONOMOUS',
      request: { method: "POST", path: "/deployments" },
      tenantId: "t2",
      fingerprint: requestFingerprint({ method: "POST", path: "/deployments" }),
      expiresAt: new Date("2026-03-02T00:00:01Z"),
      status: "pending",
      createdAt: new Date("2026-03-01T00:00:00Z"),
    });
    expect(await approvals.getProposal("not-a-proposal")).toBeNull();

    expect((await governance.check({ agentId: "pg-intern", action: "read" })).outcome).toBe("allow");
    const { rows } = await createSqlExecutor(db.client).query(
      "SELECT type, severity, outcome, agent_id, complexity, agent_maturity, required_maturity, feature, proposal_id, tenant_id, request_method, request_path, at FROM atom_governance_audit WHERE agent_id = $1 ORDER BY id",
      ["pg-intern"],
    );
    expect(rows).toEqual([
      {
        type: "decision",
        severity: "warning",
        outcome: "approval_required",
        agent_id: "pg-intern",
        complexity: 4,
        agent_maturity: "INTERN",
        required_maturity: "AUTONOMOUS",
        feature: "default",
        proposal_id: decision.proposalId,
        tenant_id: "t2",
        request_method: "POST",
        request_path: "/deployments",
        at: new Date("2026-03-01T00:00:01Z"),
      },
      expect.objectContaining({ outcome: "allow", severity: "info", proposal_id: null, request_method: null }),
    ]);

    await expect(governance.recordOutcome("pg-intern", false, { impact: "high" })).resolves.toBeCloseTo(0.4);
    expect(await governance.check({ agentId: "pg-intern", action: "draft" })).toMatchObject({
      outcome: "deny",
      agentMaturity: "STUDENT",
    });
  });

  it("audits failures and approvals: error_code and decided_by rows", async () => {
    const registry = postgresAgentRegistry({ pool: db.client });
    await registry.upsert({ id: "pg-audited", status: "INTERN" });
    const governance = createGovernance({
      registry,
      approvals: postgresApprovalStore({ pool: db.client }),
      audit: postgresAuditSink({ pool: db.client }),
    });
    await expect(governance.check({ agentId: "pg-ghost", complexity: 1 })).rejects.toMatchObject({ code: "AGENT_NOT_FOUND" });
    const id = (await governance.check({ agentId: "pg-audited", complexity: 4, actionName: "wire" })).proposalId ?? "";
    await governance.approve(id, { by: "carol" });
    const { rows } = await createSqlExecutor(db.client).query(
      "SELECT type, outcome, agent_id, error_code, decided_by, proposal_id FROM atom_governance_audit WHERE agent_id IN ($1, $2) ORDER BY id",
      ["pg-ghost", "pg-audited"],
    );
    expect(rows).toEqual([
      { type: "error", outcome: "deny", agent_id: "pg-ghost", error_code: "AGENT_NOT_FOUND", decided_by: null, proposal_id: null },
      { type: "decision", outcome: "approval_required", agent_id: "pg-audited", error_code: null, decided_by: null, proposal_id: id },
      { type: "proposal_decision", outcome: "approved", agent_id: "pg-audited", error_code: null, decided_by: "carol", proposal_id: id },
    ]);
  });

  it("refuses a pool without a query method", () => {
    expect(() => postgresAgentRegistry({ pool: {} as never })).toThrow(
      expect.objectContaining({
        code: "VALIDATION_ERROR",
        message: expect.stringContaining("[@atom/governance] [postgres] postgresAgentRegistry"),
      }),
    );
  });
});

describe("@atom/governance/postgres approvals", () => {
  approvalFlowCases((clock) => postgresApprovalStore({ pool: db.client, clock }));
});
