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

describe("auditRoutes edge cases", () => {
  const limited = { ...base, complexity: 4, methods: ["DELETE"] };

  it("Express: respects the guard's methods, walks nested routers, flags app.all and uncommon methods", () => {
    const app = express();
    const noop = (_req: express.Request, res: express.Response) => void res.end();
    app.use("/limited", expressGuard(limited));
    app.post("/limited/items", noop);
    app.delete("/limited/items", noop);
    const api = express.Router();
    const v1 = express.Router();
    v1.use(expressGuard({ ...base, complexity: 3 }));
    v1.put("/users/:id", noop);
    api.use("/v1", v1);
    api.post("/open", noop);
    app.use("/api", api);
    app.all("/anything", expressGuard({ ...base, complexity: 3 }), noop);
    app.all("/everything", expressGuard({ ...base, complexity: 3, methods: ["*"] }), noop);
    app.purge("/cache", expressGuard({ ...base, complexity: 3 }), noop);
    expect(sort(auditExpress(app))).toEqual([
      { method: "ALL", path: "/anything", guarded: false },
      { method: "POST", path: "/api/open", guarded: false },
      { method: "PUT", path: "/api/v1/users/:id", guarded: true },
      { method: "PURGE", path: "/cache", guarded: false },
      { method: "ALL", path: "/everything", guarded: true },
      { method: "DELETE", path: "/limited/items", guarded: true },
      { method: "POST", path: "/limited/items", guarded: false },
    ]);
  });

  it("Fastify: respects the guard's methods, lists routes of plugins with their prefix, flags app.all", async () => {
    const app = Fastify();
    const routes = auditFastify(app);
    app.route({ method: ["POST", "DELETE"], url: "/limited", preHandler: fastifyGuard(limited), handler: async () => "ok" });
    await app.register(
      async (child) => {
        child.put("/users/:id", { preHandler: fastifyGuard({ ...base, complexity: 3 }) }, async () => "ok");
        child.post("/open", async () => "ok");
      },
      { prefix: "/api" },
    );
    app.all("/anything", { preHandler: fastifyGuard({ ...base, complexity: 3 }) }, async () => "ok");
    await app.ready();
    expect(sort(routes())).toEqual([
      { method: "ALL", path: "/anything", guarded: false },
      { method: "POST", path: "/api/open", guarded: false },
      { method: "PUT", path: "/api/users/:id", guarded: true },
      { method: "DELETE", path: "/limited", guarded: true },
      { method: "POST", path: "/limited", guarded: false },
    ]);
    await app.close();
  });

  it("Hono: respects the guard's methods and flags app.all", () => {
    const app = new Hono();
    app.use("/limited/*", honoGuard(limited));
    app.post("/limited/items", (c) => c.text("ok"));
    app.delete("/limited/items", (c) => c.text("ok"));
    app.all("/anything", honoGuard({ ...base, complexity: 3 }), (c) => c.text("ok"));
    app.on("PURGE", "/cache", (c) => c.text("ok"));
    expect(sort(auditHono(app))).toEqual([
      { method: "ALL", path: "/anything", guarded: false },
      { method: "PURGE", path: "/cache", guarded: false },
      { method: "DELETE", path: "/limited/items", guarded: true },
      { method: "POST", path: "/limited/items", guarded: false },
    ]);
  });
});

describe("auditRoutes fails closed: guarded only when the guard provably runs first", () => {
  const guard = () => honoGuard({ ...base, complexity: 4 });

  it("Hono: app.use on a path without a wildcard covers that exact path, not the paths below it", () => {
    const app = new Hono();
    app.use("/admin", guard());
    app.post("/admin", (c) => c.text("ok"));
    app.delete("/admin/users/:id", (c) => c.text("ok"));
    app.use("/ops/*", guard());
    app.post("/ops", (c) => c.text("ok"));
    app.post("/ops/restart", (c) => c.text("ok"));
    app.post("/opsx", (c) => c.text("ok"));
    expect(sort(auditHono(app))).toEqual([
      { method: "POST", path: "/admin", guarded: true },
      { method: "DELETE", path: "/admin/users/:id", guarded: false },
      { method: "POST", path: "/ops", guarded: true },
      { method: "POST", path: "/ops/restart", guarded: true },
      { method: "POST", path: "/opsx", guarded: false },
    ]);
  });

  it("Hono: a route-level guard covers its own route only, and only from handlers registered after it", () => {
    const app = new Hono();
    app.post("/invoices", guard(), (c) => c.text("ok"));
    app.post("/invoices/:id/pay", (c) => c.text("ok"));
    app.post("/late", (c) => c.text("ok"));
    app.use("/late", guard());
    app.post("/tail", (c) => c.text("ok"), guard());
    app.use("/:tenant/*", guard());
    app.post("/acme/users", (c) => c.text("ok"));
    expect(sort(auditHono(app))).toEqual([
      { method: "POST", path: "/acme/users", guarded: false },
      { method: "POST", path: "/invoices", guarded: true },
      { method: "POST", path: "/invoices/:id/pay", guarded: false },
      { method: "POST", path: "/late", guarded: false },
      { method: "POST", path: "/tail", guarded: false },
    ]);
  });

  it("Hono: the audit agrees with what the app does for the same requests", async () => {
    const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "s", status: "STUDENT" }]) });
    const app = new Hono();
    app.use("/admin", honoGuard({ governance, complexity: 4, resolveAgentId: () => "s" }));
    app.delete("/admin/users/:id", (c) => c.text("deleted"));
    app.onError((_e, c) => c.text("refused", 403));
    expect(auditHono(app)).toEqual([{ method: "DELETE", path: "/admin/users/:id", guarded: false }]);
    expect((await app.request("/admin/users/1", { method: "DELETE" })).status).toBe(200);
  });

  it("Express: a route with an array of paths is listed once per path, each judged on its own", () => {
    const app = express();
    const noop = (_req: express.Request, res: express.Response) => void res.end();
    app.use("/admin", expressGuard({ ...base, complexity: 4 }));
    app.post(["/admin/users", "/public/users"], noop);
    app.put(["/a", "/b"], expressGuard({ ...base, complexity: 3 }), noop);
    expect(sort(auditExpress(app))).toEqual([
      { method: "PUT", path: "/a", guarded: true },
      { method: "POST", path: "/admin/users", guarded: true },
      { method: "PUT", path: "/b", guarded: true },
      { method: "POST", path: "/public/users", guarded: false },
    ]);
  });

  it("Express: array and regular-expression mounts, and guards after a route's own handler, prove nothing more", () => {
    const app = express();
    const noop = (_req: express.Request, res: express.Response) => void res.end();
    app.use(["/admin", "/ops"], expressGuard({ ...base, complexity: 4 }));
    app.use(/^\/legacy/, expressGuard({ ...base, complexity: 4 }));
    app.post("/admin/users", noop);
    app.post("/ops/restart", noop);
    app.post("/public", noop);
    app.post("/legacy/users", noop);
    app.post(/^\/admin\/raw$/, noop);
    app.post("/tail", noop, expressGuard({ ...base, complexity: 4 }));
    app.use("/:tenant", expressGuard({ ...base, complexity: 4 }));
    app.post("/acme/users", noop);
    const regex = express.Router();
    regex.post("/admin", noop);
    app.use(/^\/x/, regex);
    expect(sort(auditExpress(app))).toEqual([
      { method: "POST", path: "/^\\/admin\\/raw$/", guarded: false },
      { method: "POST", path: "/^\\/x//admin", guarded: false },
      { method: "POST", path: "/acme/users", guarded: false },
      { method: "POST", path: "/admin/users", guarded: true },
      { method: "POST", path: "/legacy/users", guarded: false },
      { method: "POST", path: "/ops/restart", guarded: true },
      { method: "POST", path: "/public", guarded: false },
      { method: "POST", path: "/tail", guarded: false },
    ]);
  });
});
