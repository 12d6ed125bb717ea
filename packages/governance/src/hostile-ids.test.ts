import type { AddressInfo } from "node:net";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGovernance, type Governance, type GovernanceAuditEvent, memoryAgentRegistry, memoryApprovalStore } from "./index.js";
import { requireGovernance } from "./express.js";
import { migrate, postgresAgentRegistry, postgresApprovalStore, postgresAuditSink } from "./postgres.js";

const invalid = (field: string) => expect.objectContaining({ code: "VALIDATION_ERROR", status: 400, details: expect.objectContaining({ field }) });

/** Ids a caller may send that no registry, store or audit row can hold as given. */
const HOSTILE_IDS = ["intern-1\u0000", "in\u0000tern", "intern\u0007", "intern\u009f", "intern\n", " intern-1", "intern-1 ", "intern-1\u00a0"];

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.client);
}, 60_000);
afterAll(() => db.close());

/** The same gate on memory or on Postgres; Postgres refuses NUL in text, so a missed input would be a 503 there. */
function gateOn(store: "memory" | "postgres") {
  const auditErrors: unknown[] = [];
  const onAuditError = (error: unknown) => void auditErrors.push(error);
  if (store === "memory") {
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "intern-1", status: "INTERN" }]),
      approvals: memoryApprovalStore(),
      audit: () => undefined,
      onAuditError,
    });
    return { governance, auditErrors, setup: async () => undefined };
  }
  const registry = postgresAgentRegistry({ pool: db.client });
  const governance = createGovernance({
    registry,
    approvals: postgresApprovalStore({ pool: db.client }),
    audit: postgresAuditSink({ pool: db.client }),
    onAuditError,
    watchRegistry: false,
  });
  return { governance, auditErrors, setup: () => registry.upsert({ id: "intern-1", status: "INTERN" }) };
}

/** Runs `fn` against an Express app with one governed route, `POST /emails` (agent id from the query). */
async function withEmailsApp(governance: Governance, fn: (url: string) => Promise<void>, feature?: string): Promise<void> {
  const app = express();
  const guard = requireGovernance({ governance, action: "send_email", agentIdSource: "query", ...(feature === undefined ? {} : { feature }) });
  app.post("/emails", guard, (_req, res) => void res.send("sent"));
  app.use((error: { status?: number; code?: string; details?: unknown }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(error.status ?? 500).json({ code: error.code, details: error.details });
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe.each(["memory", "postgres"] as const)("ids with control characters or surrounding whitespace are a 400 at the schema (%s)", (store) => {
  const gate = () => gateOn(store);

  it.each(HOSTILE_IDS)("check refuses agentId %j, and an approvalId like it", async (id) => {
    const { governance, auditErrors, setup } = gate();
    await setup();
    await expect(governance.check({ agentId: id, complexity: 1 })).rejects.toThrow(invalid("agentId"));
    await expect(
      governance.check({ agentId: "intern-1", complexity: 3, request: { method: "POST", path: "/x" }, approvalId: id }),
    ).rejects.toThrow(invalid("approvalId"));
    await expect(governance.setStatus(id, "PAUSED")).rejects.toThrow(invalid("agentId"));
    await expect(governance.recordOutcome(id, true)).rejects.toThrow(invalid("agentId"));
    expect(auditErrors).toEqual([]);
  });

  it("approve and reject refuse such proposal ids and approvers; an approver cannot pass as another id", async () => {
    const { governance, setup } = gate();
    await setup();
    const { proposalId } = await governance.check({ agentId: "intern-1", complexity: 3, request: { method: "POST", path: "/x" } });
    await expect(governance.approve("x\u0000y", { by: "alice" })).rejects.toThrow(invalid("proposalId"));
    await expect(governance.reject(`${proposalId} `, { by: "alice" })).rejects.toThrow(invalid("proposalId"));
    await expect(governance.approve(proposalId ?? "", { by: "al\u0000ice" })).rejects.toThrow(invalid("by"));
    await expect(governance.approve(proposalId ?? "", { by: "intern-1 " })).rejects.toThrow(invalid("by"));
    await expect(governance.approve(proposalId ?? "", { by: "alice", note: "ok\u0000" })).rejects.toThrow(invalid("note"));
    await expect(governance.approve(proposalId ?? "", { by: "intern-1" })).rejects.toMatchObject({ code: "PROPOSAL_APPROVER_REFUSED" });
    await expect(governance.approve(proposalId ?? "", { by: "alice", note: "line one\nline two" })).resolves.toMatchObject({ status: "approved" });
  });

  it("names, features and request fields with control characters are refused too", async () => {
    const { governance, auditErrors, setup } = gate();
    await setup();
    await expect(governance.check({ agentId: "intern-1", complexity: 1, actionName: "send\u0000" })).rejects.toThrow(invalid("actionName"));
    await expect(governance.check({ agentId: "intern-1", action: "read\u0000" })).rejects.toThrow(invalid("action"));
    await expect(governance.check({ agentId: "intern-1", complexity: 1, feature: "mail\u0000" })).rejects.toThrow(invalid("feature"));
    await expect(
      governance.check({ agentId: "intern-1", complexity: 3, request: { method: "POST", path: "/x\u0000" } }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    await expect(
      governance.check({ agentId: "intern-1", complexity: 3, request: { method: "POST", path: "/x", digest: "d\u0000" } }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    expect(auditErrors).toEqual([]);
  });

  it("an HTTP request naming such an agent is a 400 naming where the id was found", async () => {
    const { governance, setup } = gate();
    await setup();
    await withEmailsApp(governance, async (url) => {
      for (const id of ["nobody%00", "nobody%07", "nobody%20"]) {
        const res = await fetch(`${url}/emails?agent_id=${id}`, { method: "POST" });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR", details: { field: "agent_id (query)" } });
      }
    });
  });
});

describe("a malformed agent or approval id at the HTTP guard", () => {
  it("is audited as a denied, unidentified request (without the value) and answered 400 naming where it was found", async () => {
    const events: GovernanceAuditEvent[] = [];
    const governance = createGovernance({
      registry: memoryAgentRegistry([{ id: "intern-1", status: "INTERN" }]),
      approvals: memoryApprovalStore(),
      audit: (event) => void events.push(event),
    });
    await withEmailsApp(
      governance,
      async (url) => {
        const bad = await fetch(`${url}/emails?agent_id=probe%00secret`, { method: "POST" });
        expect(bad.status).toBe(400);
        expect(await bad.json()).toMatchObject({ code: "VALIDATION_ERROR", details: { field: "agent_id (query)" } });
        const badApproval = await fetch(`${url}/emails?agent_id=intern-1`, { method: "POST", headers: { "x-approval-id": "p".repeat(300) } });
        expect(badApproval.status).toBe(400);
        expect(await badApproval.json()).toMatchObject({ code: "VALIDATION_ERROR", details: { field: "x-approval-id" } });
      },
      "email",
    );
    const denials = events.filter((event) => event.type === "decision" && event.outcome === "deny");
    expect(denials).toHaveLength(2);
    expect(denials[0]).toMatchObject({ agentId: null, actionName: "send_email", feature: "email", request: { method: "POST", path: "/emails" } });
    expect(denials[0]).toMatchObject({ reason: expect.stringContaining("agent_id (query)") });
    expect(denials[1]).toMatchObject({ reason: expect.stringContaining("x-approval-id") });
    expect(JSON.stringify(denials)).not.toMatch(/secret|ppppp/);
  });
});
