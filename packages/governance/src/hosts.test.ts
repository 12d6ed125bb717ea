import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { errorHandler as expressErrors } from "@atom/errors/express";
import { atomErrors } from "@atom/errors/fastify";
import { errorHandler as honoErrors } from "@atom/errors/hono";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AgentRecord, type AgentRegistry, type ApprovalStore, createGovernance, memoryAgentRegistry } from "./index.js";
import { requireGovernance as expressGovernance } from "./express.js";
import { governanceDecision, requireGovernance as fastifyGovernance } from "./fastify.js";
import { requireGovernance as honoGovernance } from "./hono.js";

const AGENTS: AgentRecord[] = [
  { id: "student", status: "STUDENT" },
  { id: "intern", status: "INTERN" },
  { id: "supervised", status: "SUPERVISED" },
];

/** Deterministic proposal ids so that bodies compare across hosts. */
function countingApprovals(): ApprovalStore {
  let n = 0;
  return {
    createProposal: async (input) => ({ ...input, id: `proposal-${++n}`, status: "pending", createdAt: new Date(0) }),
    getProposal: async () => null,
  };
}

interface Host {
  name: string;
  url: string;
  registry: AgentRegistry;
  close(): Promise<void>;
}

function setup() {
  const registry = memoryAgentRegistry(AGENTS);
  const spy = vi.spyOn(registry, "getAgent");
  const governance = createGovernance({ registry, approvals: countingApprovals(), cacheTtlMs: 0 });
  const broken = createGovernance({
    registry: { getAgent: async () => Promise.reject(new Error("db down")), adjustConfidence: async () => null },
  });
  return { registry, spy, governance, broken };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

async function expressHost() {
  const s = setup();
  const app = express();
  app.use(express.json());
  const guard = expressGovernance({ governance: s.governance, action: "send_email", feature: "email" });
  const handler = (_req: express.Request, res: express.Response) =>
    void res.status(201).json({ ok: true, decision: res.locals.governance?.outcome ?? null });
  app.get("/emails", guard, (_req, res) => void res.json({ ok: true }));
  app.all("/emails", guard, handler);
  app.post("/strict", expressGovernance({ governance: s.governance, complexity: 1, allowUserInitiated: false }), handler);
  app.post("/broken", expressGovernance({ governance: s.broken, complexity: 1 }), handler);
  app.use(expressErrors({ production: true, onError: () => {} }));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { ...s, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
}

async function fastifyHost() {
  const s = setup();
  const app = Fastify();
  await app.register(atomErrors, { production: true, onError: () => {} });
  const preHandler = fastifyGovernance({ governance: s.governance, action: "send_email", feature: "email" });
  const handler = async (request: Parameters<typeof governanceDecision>[0], reply: { status(code: number): unknown }) => {
    reply.status(201);
    return { ok: true, decision: governanceDecision(request)?.outcome ?? null };
  };
  app.get("/emails", { preHandler }, async () => ({ ok: true }));
  app.route({ method: ["POST", "PUT", "PATCH", "DELETE"], url: "/emails", preHandler, handler });
  app.post("/strict", { preHandler: fastifyGovernance({ governance: s.governance, complexity: 1, allowUserInitiated: false }) }, handler);
  app.post("/broken", { preHandler: fastifyGovernance({ governance: s.broken, complexity: 1 }) }, handler);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { ...s, url, close: () => app.close() };
}

async function honoHost() {
  const s = setup();
  const app = new Hono();
  const guard = honoGovernance({ governance: s.governance, action: "send_email", feature: "email" });
  app.get("/emails", guard, (c) => c.json({ ok: true }));
  app.on(["POST", "PUT", "PATCH", "DELETE"], "/emails", guard, async (c) => {
    const body: unknown = c.req.header("content-type")?.includes("json") ? await c.req.json() : null;
    return c.json({ ok: true, decision: c.get("governance")?.outcome ?? null, echoed: body !== undefined }, 201);
  });
  app.post("/strict", honoGovernance({ governance: s.governance, complexity: 1, allowUserInitiated: false }), (c) =>
    c.json({ ok: true, decision: c.get("governance")?.outcome ?? null }, 201),
  );
  app.post("/broken", honoGovernance({ governance: s.broken, complexity: 1 }), (c) => c.json({ ok: true }, 201));
  app.onError(honoErrors({ production: true, onError: () => {} }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise((resolve) => server.once("listening", resolve));
  return { ...s, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
}

interface Call {
  method: string;
  path: string;
  agent?: string;
  body?: unknown;
}

async function call(url: string, { method, path, agent, body }: Call) {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(agent === undefined ? {} : { "x-agent-id": agent }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  const { timestamp, request_id, echoed, ...rest } = json;
  if (json.success === false) {
    expect(typeof timestamp).toBe("string");
    expect(typeof request_id).toBe("string");
  }
  return { status: response.status, body: rest };
}

const SCENARIOS: [string, Call, number, Record<string, unknown>][] = [
  [
    "INTERN above its level → 202 with a proposal",
    { method: "POST", path: "/emails", agent: "intern" },
    202,
    {
      success: false,
      error_code: "GOVERNANCE_APPROVAL_REQUIRED",
      message: "Action requires approval (proposal proposal-1)",
      severity: "info",
      details: { proposal_id: "proposal-1", agent_maturity: "INTERN", required_maturity: "SUPERVISED" },
    },
  ],
  [
    "STUDENT → 403 with the reason",
    { method: "POST", path: "/emails", agent: "student" },
    403,
    {
      success: false,
      error_code: "GOVERNANCE_DENIED",
      message: 'Agent student (STUDENT) may not perform "send_email", which requires SUPERVISED',
      severity: "medium",
      details: {
        reason: 'Agent student (STUDENT) may not perform "send_email", which requires SUPERVISED',
        agent_id: "student",
        action_name: "send_email",
        agent_maturity: "STUDENT",
        required_maturity: "SUPERVISED",
      },
    },
  ],
  [
    "unknown agent → 404",
    { method: "DELETE", path: "/emails", agent: "ghost" },
    404,
    {
      success: false,
      error_code: "AGENT_NOT_FOUND",
      message: "Agent not found (ID: ghost)",
      severity: "low",
      details: { resource: "agent", id: "ghost" },
    },
  ],
  [
    "registry failure → 503",
    { method: "POST", path: "/broken", agent: "student" },
    503,
    {
      success: false,
      error_code: "GOVERNANCE_UNAVAILABLE",
      message: "agent registry unavailable; the action was not allowed",
      severity: "high",
      details: { component: "agent registry", agent_id: "student" },
    },
  ],
  ["SUPERVISED → allowed", { method: "POST", path: "/emails", agent: "supervised" }, 201, { ok: true, decision: "allow" }],
  ["a person (no agent id) → allowed", { method: "POST", path: "/emails" }, 201, { ok: true, decision: null }],
  [
    "no agent id with allowUserInitiated false → 403",
    { method: "POST", path: "/strict" },
    403,
    {
      success: false,
      error_code: "GOVERNANCE_DENIED",
      message: "An agent id is required for this action",
      severity: "medium",
      details: {
        reason: "An agent id is required for this action",
        agent_id: null,
        action_name: "complexity:1",
        agent_maturity: null,
        required_maturity: "STUDENT",
      },
    },
  ],
  ["agent id from the query", { method: "PUT", path: "/emails?agent_id=student" }, 403, expect.objectContaining({ error_code: "GOVERNANCE_DENIED" })],
  ["agent id from the JSON body", { method: "PATCH", path: "/emails", body: { agent_id: "supervised" } }, 201, { ok: true, decision: "allow" }],
  [
    "the header wins over the body",
    { method: "POST", path: "/emails", agent: "supervised", body: { agent_id: "student" } },
    201,
    { ok: true, decision: "allow" },
  ],
  [
    "a malformed agent id → 400",
    { method: "POST", path: "/emails", body: { agent_id: 42 } },
    400,
    expect.objectContaining({
      error_code: "VALIDATION_ERROR",
      message: "agent_id (body) must be an agent id of 1 to 256 characters",
    }),
  ],
];

const HOSTS = { express: expressHost, fastify: fastifyHost, hono: honoHost };

describe.each(Object.entries(HOSTS))("requireGovernance on %s over real HTTP", (name, start) => {
  let host: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    host = await start();
  });
  afterAll(() => host.close());

  it.each(SCENARIOS)("%s", async (_, request, status, body) => {
    const result = await call(host.url, request);
    expect(result).toEqual({ status, body });
  });

  it("lets GET through without a registry call", async () => {
    host.spy.mockClear();
    expect(await call(host.url, { method: "GET", path: "/emails", agent: "student" })).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(host.spy).not.toHaveBeenCalled();
    expect(name).toBeTruthy();
  });
});

describe("requireGovernance hosts agree", () => {
  it("renders byte-identical bodies apart from timestamp and request_id", async () => {
    const results: Record<string, unknown[]> = {};
    for (const [name, start] of Object.entries(HOSTS)) {
      const host = await start();
      try {
        results[name] = [];
        for (const [, request] of SCENARIOS) results[name].push(await call(host.url, request));
      } finally {
        await host.close();
      }
    }
    expect(results.fastify).toEqual(results.express);
    expect(results.hono).toEqual(results.express);
  });
});
