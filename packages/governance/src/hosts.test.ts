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
  { id: "autonomous", status: "AUTONOMOUS" },
  { id: "scored", status: "AUTONOMOUS", confidence: 0.3 },
  { id: "paused", status: "PAUSED" },
];

/** The host-verified identity: a bearer token `valid-<agent>` stands for a token the host checked. */
const fromToken = (authorization: unknown): string | null =>
  typeof authorization === "string" && authorization.startsWith("Bearer valid-") ? authorization.slice("Bearer valid-".length) : null;

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
  const guard = expressGovernance({ governance: s.governance, action: "send_email", feature: "email", agentIdSource: "header" });
  const handler = (_req: express.Request, res: express.Response) =>
    void res.status(201).json({ ok: true, decision: res.locals.governance?.outcome ?? null });
  app.get("/emails", guard, (_req, res) => void res.json({ ok: true }));
  app.all("/emails", guard, handler);
  for (const [path, options] of Object.entries(routeOptions(s.governance))) {
    app.post(path, expressGovernance(hostOptions(options, (req: { headers: Record<string, unknown> }) => req.headers.authorization)), handler);
  }
  app.post("/broken", expressGovernance({ governance: s.broken, complexity: 1, agentIdSource: "header" }), handler);
  app.use(expressErrors({ production: true, onError: () => {} }));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { ...s, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
}

async function fastifyHost() {
  const s = setup();
  const app = Fastify();
  await app.register(atomErrors, { production: true, onError: () => {} });
  const preHandler = fastifyGovernance({ governance: s.governance, action: "send_email", feature: "email", agentIdSource: "header" });
  const handler = async (request: Parameters<typeof governanceDecision>[0], reply: { status(code: number): unknown }) => {
    reply.status(201);
    return { ok: true, decision: governanceDecision(request)?.outcome ?? null };
  };
  app.get("/emails", { preHandler }, async () => ({ ok: true }));
  app.route({ method: ["POST", "PUT", "PATCH", "DELETE"], url: "/emails", preHandler, handler });
  for (const [path, options] of Object.entries(routeOptions(s.governance))) {
    app.post(path, { preHandler: fastifyGovernance(hostOptions(options, (req: { headers: Record<string, unknown> }) => req.headers.authorization)) }, handler);
  }
  app.post("/broken", { preHandler: fastifyGovernance({ governance: s.broken, complexity: 1, agentIdSource: "header" }) }, handler);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { ...s, url, close: () => app.close() };
}

async function honoHost() {
  const s = setup();
  const app = new Hono();
  const guard = honoGovernance({ governance: s.governance, action: "send_email", feature: "email", agentIdSource: "header" });
  app.get("/emails", guard, (c) => c.json({ ok: true }));
  app.on(["POST", "PUT", "PATCH", "DELETE"], "/emails", guard, async (c) => {
    const body: unknown = c.req.header("content-type")?.includes("json") ? await c.req.json() : null;
    return c.json({ ok: true, decision: c.get("governance")?.outcome ?? null, echoed: body !== undefined }, 201);
  });
  for (const [path, options] of Object.entries(routeOptions(s.governance))) {
    app.post(path, honoGovernance(hostOptions(options, (c: { req: { header(name: string): unknown } }) => c.req.header("authorization"))), (c) =>
      c.json({ ok: true, decision: c.get("governance")?.outcome ?? null }, 201),
    );
  }
  app.post("/broken", honoGovernance({ governance: s.broken, complexity: 1, agentIdSource: "header" }), (c) => c.json({ ok: true }, 201));
  app.onError(honoErrors({ production: true, onError: () => {} }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise((resolve) => server.once("listening", resolve));
  return { ...s, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
}

/** The guarded POST routes every host mounts, with the host's own resolver wrapped around `resolveAgentId`. */
function routeOptions(governance: ReturnType<typeof createGovernance>) {
  interface Options {
    governance: typeof governance;
    complexity: number;
    resolveAgentId?: (authorization: unknown) => string | null;
    agentIdSource?: "header" | "query" | "body";
    allowUserInitiated?: boolean;
  }
  const routes: Record<string, Options> = {
    "/strict": { governance, complexity: 1, agentIdSource: "header" },
    "/people": { governance, complexity: 1, agentIdSource: "header", allowUserInitiated: true },
    "/by-query": { governance, complexity: 1, agentIdSource: "query" },
    "/by-body": { governance, complexity: 3, agentIdSource: "body" },
    "/resolved": { governance, complexity: 4, resolveAgentId: fromToken },
  };
  return routes;
}

/** A route's options with the host's own way of reading the token wrapped around the shared resolver. */
function hostOptions<Raw>(options: ReturnType<typeof routeOptions>[string], authorization: (raw: Raw) => unknown) {
  const { resolveAgentId, ...rest } = options;
  return resolveAgentId ? { ...rest, resolveAgentId: (raw: Raw) => resolveAgentId(authorization(raw)) } : rest;
}

interface Call {
  method: string;
  path: string;
  agent?: string;
  body?: unknown;
  headers?: [string, string][];
}

async function call(url: string, { method, path, agent, body, headers = [] }: Call) {
  const response = await fetch(url + path, {
    method,
    headers: [
      ...headers,
      ...(agent === undefined ? [] : [["x-agent-id", agent] as [string, string]]),
      ...(body === undefined ? [] : [["content-type", "application/json"] as [string, string]]),
    ],
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

function required(actionName: string, requiredMaturity: string) {
  return {
    success: false,
    error_code: "GOVERNANCE_DENIED",
    message: "An agent id is required for this action",
    severity: "medium",
    details: {
      reason: "An agent id is required for this action",
      agent_id: null,
      action_name: actionName,
      required_maturity: requiredMaturity,
    },
  };
}

function invalid(field: string, message: string) {
  return expect.objectContaining({ error_code: "VALIDATION_ERROR", message, details: expect.objectContaining({ field }) });
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
      message: 'Agent student may not perform "send_email", which requires SUPERVISED',
      severity: "medium",
      details: {
        reason: 'Agent student may not perform "send_email", which requires SUPERVISED',
        agent_id: "student",
        action_name: "send_email",
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
  [
    "a production 403 carries the decision, not the stored status or score",
    { method: "POST", path: "/emails", agent: "scored" },
    403,
    {
      success: false,
      error_code: "GOVERNANCE_DENIED",
      message: 'Agent scored may not perform "send_email", which requires SUPERVISED',
      severity: "medium",
      details: {
        reason: 'Agent scored may not perform "send_email", which requires SUPERVISED',
        agent_id: "scored",
        action_name: "send_email",
        required_maturity: "SUPERVISED",
      },
    },
  ],
  [
    "a paused agent's 403 does not say it is paused",
    { method: "POST", path: "/emails", agent: "paused" },
    403,
    {
      success: false,
      error_code: "GOVERNANCE_DENIED",
      message: "Agent paused may not act",
      severity: "medium",
      details: { reason: "Agent paused may not act", agent_id: "paused", action_name: "send_email", required_maturity: "SUPERVISED" },
    },
  ],
  ["SUPERVISED → allowed", { method: "POST", path: "/emails", agent: "supervised" }, 201, { ok: true, decision: "allow" }],
  ["a person, where people are allowed → allowed", { method: "POST", path: "/people" }, 201, { ok: true, decision: null }],
  ["no agent id by default → 403", { method: "POST", path: "/emails" }, 403, required("send_email", "SUPERVISED")],
  [
    "no agent id with allowUserInitiated false → 403",
    { method: "POST", path: "/strict" },
    403,
    required("POST /strict", "STUDENT"),
  ],
  ["agent id from the query, when that is the source", { method: "POST", path: "/by-query?agent_id=student" }, 201, { ok: true, decision: "allow" }],
  ["agent id from the JSON body, when that is the source", { method: "POST", path: "/by-body", body: { agent_id: "supervised" } }, 201, { ok: true, decision: "allow" }],
  [
    "sources are never combined: a body id on a header route is not read",
    { method: "POST", path: "/emails", body: { agent_id: "supervised" } },
    403,
    required("send_email", "SUPERVISED"),
  ],
  [
    "a malformed agent id → 400",
    { method: "POST", path: "/by-body", body: { agent_id: 42 } },
    400,
    invalid("agent_id (body)", "agent_id (body) must be an agent id of 1 to 256 characters, with no control characters and no whitespace at either end"),
  ],
  [
    "two different query ids → 400",
    { method: "POST", path: "/by-query?agent_id=student&agent_id=autonomous" },
    400,
    invalid("agent_id (query)", "agent_id (query) must name exactly one agent"),
  ],
  [
    "the same query id twice → 400",
    { method: "POST", path: "/by-query?agent_id=student&agent_id=student" },
    400,
    invalid("agent_id (query)", "agent_id (query) must name exactly one agent"),
  ],
  [
    "two X-Agent-ID headers → 400",
    { method: "POST", path: "/emails", headers: [["x-agent-id", "student"], ["x-agent-id", "autonomous"]] },
    400,
    invalid("x-agent-id", "x-agent-id must name exactly one agent"),
  ],
  [
    "with a resolver, its null is final: X-Agent-ID is not trusted → 403",
    { method: "POST", path: "/resolved", agent: "autonomous" },
    403,
    required("POST /resolved", "AUTONOMOUS"),
  ],
  [
    "with a resolver, X-Agent-ID never overrides it",
    { method: "POST", path: "/resolved", agent: "autonomous", headers: [["authorization", "Bearer valid-student"]] },
    403,
    expect.objectContaining({ error_code: "GOVERNANCE_DENIED", details: expect.objectContaining({ agent_id: "student" }) }),
  ],
  [
    "with a resolver, the host-verified agent acts",
    { method: "POST", path: "/resolved", headers: [["authorization", "Bearer valid-autonomous"]] },
    201,
    { ok: true, decision: "allow" },
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
