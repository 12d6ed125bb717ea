import { createSqlExecutor } from "@atom/sql";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalFlowCases } from "../approval-flow.cases.js";
import { type AgentChangeListener, type AgentRegistry, createGovernance, requestFingerprint } from "../index.js";
import { migrate, type PostgresAgentRegistry, postgresAgentRegistry, postgresApprovalStore, postgresAuditSink } from "../postgres.js";

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

  it("answers not found for an id Postgres cannot store (NUL), instead of a failing query", async () => {
    const registry = postgresAgentRegistry({ pool: db.client });
    const approvals = postgresApprovalStore({ pool: db.client });
    const at = new Date("2026-03-01T00:00:00Z");
    expect(await registry.getAgent("pg-a\u0000")).toBeNull();
    expect(await registry.setStatus?.("pg-a\u0000", "PAUSED")).toBe(false);
    expect(await registry.adjustConfidence("pg-a\u0000", 0.1, 0)).toBeNull();
    expect(await approvals.getProposal("x\u0000")).toBeNull();
    expect(await approvals.decideProposal("x\u0000", { status: "approved", decidedBy: "alice", at })).toBeNull();
    const use = { agentId: "a", actionName: "x", complexity: 3 as const, fingerprint: "f", decidedAfter: at, at };
    expect(await approvals.consumeApproval("x\u0000", use)).toBeNull();
    await expect(registry.upsert({ id: "pg-a\u0000", status: "INTERN" })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
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
    await governance.close();
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
    await governance.close();
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

/** A registry whose watch also resolves `next(agentId)` when that agent's notification arrives. */
function observed(registry: PostgresAgentRegistry) {
  const waiting = new Map<string | null, () => void>();
  let ready: Promise<boolean> = Promise.resolve(false);
  const wrapped: AgentRegistry = {
    ...registry,
    watch(listener: AgentChangeListener) {
      const watch = registry.watch((agentId) => {
        listener(agentId);
        waiting.get(agentId)?.();
      });
      ready = watch.ready;
      return watch;
    },
  };
  return {
    registry: wrapped,
    ready: () => ready,
    next: (agentId: string | null) => new Promise<void>((resolve) => waiting.set(agentId, resolve)),
  };
}

describe("@atom/governance/postgres cross-instance invalidation (LISTEN/NOTIFY)", () => {
  it("after setStatus on instance A, instance B denies the next request without waiting for its cache TTL", async () => {
    // Two pools on a real server; one in-process PGlite (which delivers NOTIFY in-process) otherwise.
    const poolB = db.newPool() ?? db.client;
    const a = createGovernance({ registry: postgresAgentRegistry({ pool: db.client }), cacheTtlMs: 3_600_000 });
    const watched = observed(postgresAgentRegistry({ pool: poolB }));
    const b = createGovernance({ registry: watched.registry, cacheTtlMs: 3_600_000 });
    try {
      expect(await watched.ready()).toBe(true);
      await postgresAgentRegistry({ pool: db.client }).upsert({ id: "pg-shared", status: "AUTONOMOUS" });
      expect((await a.check({ agentId: "pg-shared", complexity: 4 })).outcome).toBe("allow");
      expect((await b.check({ agentId: "pg-shared", complexity: 4 })).outcome).toBe("allow");
      const notified = watched.next("pg-shared");
      await a.setStatus("pg-shared", "PAUSED");
      expect((await a.check({ agentId: "pg-shared", complexity: 1 })).outcome).toBe("deny");
      await notified;
      expect(await b.check({ agentId: "pg-shared", complexity: 1 })).toMatchObject({ outcome: "deny", agentMaturity: "PAUSED" });

      // Writes from outside the library notify too (the trigger is on the table).
      const resumed = watched.next("pg-shared");
      await createSqlExecutor(db.client).query("UPDATE atom_governance_agents SET status = 'SUPERVISED' WHERE id = $1", ["pg-shared"]);
      await resumed;
      expect((await b.check({ agentId: "pg-shared", complexity: 3 })).outcome).toBe("allow");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  // PGlite has no connection to drop: this one needs the real server (DATABASE_URL).
  it.skipIf(!process.env.DATABASE_URL)(
    "a dropped listening connection flushes the cache (TTL fallback) and reconnects",
    async () => {
      const pool = db.newPool() ?? db.client;
      const watched = observed(postgresAgentRegistry({ pool, reconnectDelayMs: 10 }));
      const governance = createGovernance({ registry: watched.registry, cacheTtlMs: 3_600_000 });
      try {
        expect(await watched.ready()).toBe(true);
        const flushed = watched.next(null);
        await createSqlExecutor(db.client).query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN atom_governance_agents'",
        );
        await flushed;
        const reconnected = watched.next(null);
        await reconnected;
        await postgresAgentRegistry({ pool: db.client }).upsert({ id: "pg-after-drop", status: "STUDENT" });
        const notified = watched.next("pg-after-drop");
        await postgresAgentRegistry({ pool: db.client }).upsert({ id: "pg-after-drop", status: "PAUSED" });
        await notified;
        expect((await governance.check({ agentId: "pg-after-drop", complexity: 1 })).outcome).toBe("deny");
      } finally {
        await governance.close();
      }
    },
  );
});

describe("@atom/governance/postgres approvals", () => {
  approvalFlowCases((clock) => postgresApprovalStore({ pool: db.client, clock }));
});
