import express from "express";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createGovernance, memoryAgentRegistry, memoryApprovalStore } from "./index.js";
import { requireGovernance as expressGuard } from "./express.js";
import { requireGovernance as honoGuard } from "./hono.js";

/** An INTERN, so that a complexity-3 route answers with a proposal that a reviewer approves. */
function gate() {
  return createGovernance({ registry: memoryAgentRegistry([{ id: "intern-1", status: "INTERN" }]), approvals: memoryApprovalStore() });
}

describe("an approval is bound to the route whose handler chain runs the guard", () => {
  it("Hono: a later catch-all route matching the same URL does not name the guarded route", async () => {
    const governance = gate();
    const guard = () => honoGuard({ governance, complexity: 3, resolveAgentId: (c) => c.req.header("x-agent") ?? null });
    const app = new Hono();
    app.post("/invoices/:id", guard(), (c) => c.text(`invoice ${c.req.param("id")}`));
    app.post("/payments/:id", guard(), (c) => c.text(`payment ${c.req.param("id")}`));
    app.post("/:section/:id", (c) => c.json({ error: "unknown" }, 404));
    app.onError((e, c) => c.json({ code: (e as { code?: string }).code, details: (e as { details?: unknown }).details }, 418));

    const asked = await app.request("/invoices/7", { method: "POST", headers: { "x-agent": "intern-1" } });
    const proposalId = ((await asked.json()) as { details: { proposal_id: string } }).details.proposal_id;
    const approved = await governance.approve(proposalId, { by: "reviewer" });
    expect(approved.actionName).toBe("POST /invoices/:id");

    const elsewhere = await app.request("/payments/9", { method: "POST", headers: { "x-agent": "intern-1", "x-approval-id": proposalId } });
    expect(await elsewhere.json()).toMatchObject({ code: "GOVERNANCE_DENIED" });
    const same = await app.request("/invoices/8", { method: "POST", headers: { "x-agent": "intern-1", "x-approval-id": proposalId } });
    expect(await same.text()).toBe("invoice 8");
  });

  it("Hono: a guarded route of a sub-app is named with its mount path", async () => {
    const governance = gate();
    const api = new Hono();
    api.post("/invoices/:id", honoGuard({ governance, complexity: 3, resolveAgentId: (c) => c.req.header("x-agent") ?? null }), (c) =>
      c.text("ok"),
    );
    const app = new Hono();
    app.route("/api", api);
    app.post("/api/:section/:id", (c) => c.text("fallback"));
    app.onError((e, c) => c.json({ details: (e as { details?: unknown }).details }, 418));
    const asked = await app.request("/api/invoices/7", { method: "POST", headers: { "x-agent": "intern-1" } });
    const proposalId = ((await asked.json()) as { details: { proposal_id: string } }).details.proposal_id;
    expect((await governance.approve(proposalId, { by: "reviewer" })).actionName).toBe("POST /api/invoices/:id");
  });

  it("Hono: a guard used on a wildcard binds to the concrete path, not to whichever route matched last", async () => {
    const governance = gate();
    const app = new Hono();
    app.use("/admin/*", honoGuard({ governance, complexity: 3, resolveAgentId: (c) => c.req.header("x-agent") ?? null }));
    app.post("/admin/:thing", (c) => c.text(`admin ${c.req.param("thing")}`));
    app.onError((e, c) => c.json({ details: (e as { details?: unknown }).details }, 418));

    const asked = await app.request("/admin/users", { method: "POST", headers: { "x-agent": "intern-1" } });
    const proposalId = ((await asked.json()) as { details: { proposal_id: string } }).details.proposal_id;
    const approved = await governance.approve(proposalId, { by: "reviewer" });
    expect(approved.actionName).toBe("POST /admin/users");
    const other = await app.request("/admin/keys", { method: "POST", headers: { "x-agent": "intern-1", "x-approval-id": proposalId } });
    expect(other.status).toBe(418);
  });

  it("Express: an array route binds to the concrete path it was called on", async () => {
    const governance = gate();
    const app = express();
    app.post(
      ["/invoices/:id", "/payments/:id"],
      expressGuard({ governance, complexity: 3, resolveAgentId: (req) => (req.headers["x-agent"] as string | undefined) ?? null }),
      (req, res) => void res.send(req.path),
    );
    app.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).json(error);
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const asked = await fetch(`${url}/invoices/7`, { method: "POST", headers: { "x-agent": "intern-1" } });
      const proposalId = ((await asked.json()) as { details: { proposal_id: string } }).details.proposal_id;
      const approved = await governance.approve(proposalId, { by: "reviewer" });
      expect(approved.actionName).toBe("POST /invoices/7");
      const other = await fetch(`${url}/payments/7`, { method: "POST", headers: { "x-agent": "intern-1", "x-approval-id": proposalId } });
      expect(other.status).toBe(403);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
