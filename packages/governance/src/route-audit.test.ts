import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createGovernance, memoryAgentRegistry } from "./index.js";
import { auditRoutes as auditExpress, requireGovernance as expressGuard } from "./express.js";
import { auditRoutes as auditFastify, requireGovernance as fastifyGuard } from "./fastify.js";
import { auditRoutes as auditHono, requireGovernance as honoGuard } from "./hono.js";

const governance = createGovernance({ registry: memoryAgentRegistry() });
const base = { governance, agentIdSource: "header" as const };
const sort = <T extends { method: string; path: string }>(entries: T[]) =>
  [...entries].sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));

describe("auditRoutes", () => {
  it("lists Express mutation routes and whether they are guarded, by route or by app.use", () => {
    const app = express();
    const noop = (_req: express.Request, res: express.Response) => void res.end();
    app.get("/emails", noop);
    app.post("/emails", expressGuard({ ...base, action: "send_email" }), noop);
    app.route("/users").put(noop).delete(expressGuard({ ...base, action: "delete" }), noop);
    app.use("/admin", expressGuard({ ...base, complexity: 4 }));
    app.patch("/admin/settings", noop);
    app.post("/public", noop);
    expect(sort(auditExpress(app))).toEqual([
      { method: "PATCH", path: "/admin/settings", guarded: true },
      { method: "POST", path: "/emails", guarded: true },
      { method: "POST", path: "/public", guarded: false },
      { method: "DELETE", path: "/users", guarded: true },
      { method: "PUT", path: "/users", guarded: false },
    ]);
  });

  it("lists Fastify mutation routes and whether a governance preHandler runs", async () => {
    const app = Fastify();
    const routes = auditFastify(app);
    app.get("/emails", async () => "ok");
    app.post("/emails", { preHandler: fastifyGuard({ ...base, action: "send_email" }) }, async () => "ok");
    app.route({ method: ["PUT", "DELETE"], url: "/users", preHandler: [async () => {}], handler: async () => "ok" });
    app.patch("/users", { preHandler: [async () => {}, fastifyGuard({ ...base, action: "update" })] }, async () => "ok");
    await app.ready();
    expect(sort(routes())).toEqual([
      { method: "POST", path: "/emails", guarded: true },
      { method: "DELETE", path: "/users", guarded: false },
      { method: "PATCH", path: "/users", guarded: true },
      { method: "PUT", path: "/users", guarded: false },
    ]);
    await app.close();
  });

  it("lists Hono mutation routes and whether a guard runs on the route or a covering app.use", () => {
    const app = new Hono();
    app.use("/admin/*", honoGuard({ ...base, complexity: 4 }));
    app.get("/emails", (c) => c.text("ok"));
    app.post("/emails", honoGuard({ ...base, action: "send_email" }), (c) => c.text("ok"));
    app.on(["PUT", "DELETE"], "/users", (c) => c.text("ok"));
    app.patch("/admin/settings", (c) => c.text("ok"));
    expect(sort(auditHono(app))).toEqual([
      { method: "PATCH", path: "/admin/settings", guarded: true },
      { method: "POST", path: "/emails", guarded: true },
      { method: "DELETE", path: "/users", guarded: false },
      { method: "PUT", path: "/users", guarded: false },
    ]);
  });
});
