import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ErrorEvent, ErrorHandlerOptions } from "../src/index.js";
import { hosts } from "./hosts.js";
import type { RunningHost } from "./scenario.js";

type HostName = keyof typeof hosts;
const names = Object.keys(hosts) as HostName[];

interface Step {
  label: string;
  path: string;
  init?: RequestInit;
  status: number;
  code: string;
  message?: string;
}

const json = (body: string): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body });

const table: Step[] = [
  { label: "ValidationError", path: "/throw/validation", status: 400, code: "VALIDATION_ERROR", message: "Email is required" },
  { label: "UserNotFoundError", path: "/throw/user_not_found", status: 404, code: "USER_1101", message: "User not found (ID: abc123)" },
  { label: "AgentNotFoundError", path: "/throw/agent_not_found", status: 404, code: "AGENT_NOT_FOUND" },
  { label: "UserAlreadyExistsError", path: "/throw/user_exists", status: 409, code: "USER_1102" },
  { label: "ConflictError", path: "/throw/conflict", status: 409, code: "CONFLICT" },
  { label: "UnauthorizedError", path: "/throw/unauthorized", status: 401, code: "UNAUTHORIZED" },
  { label: "ForbiddenError", path: "/throw/forbidden", status: 403, code: "FORBIDDEN" },
  { label: "RateLimitedError", path: "/throw/rate_limited", status: 429, code: "RATE_LIMITED" },
  { label: "DatabaseError", path: "/throw/database", status: 500, code: "DATABASE_ERROR" },
  { label: "ExternalServiceError", path: "/throw/external", status: 502, code: "EXTERNAL_SERVICE_ERROR" },
  { label: "TimeoutError", path: "/throw/timeout", status: 504, code: "TIMEOUT" },
  { label: "InternalError", path: "/throw/internal", status: 500, code: "INTERNAL_ERROR" },
  { label: "ZodError", path: "/throw/zod", status: 400, code: "VALIDATION_ERROR" },
  { label: "thrown string", path: "/throw/string", status: 500, code: "INTERNAL_ERROR" },
  { label: "thrown null", path: "/throw/null", status: 500, code: "INTERNAL_ERROR" },
  { label: "plain Error", path: "/throw/plain_error", status: 500, code: "INTERNAL_ERROR" },
  { label: "prefixed package error", path: "/throw/prefixed", status: 400, code: "VALIDATION_ERROR", message: '"state" Invalid input: expected string, received number' },
  { label: "framework 4xx error", path: "/http/405", status: 405, code: "METHOD_NOT_ALLOWED", message: "framework error" },
  { label: "invalid JSON body", path: "/echo", init: json('{"name":'), status: 400, code: "INVALID_JSON" },
  { label: "valid JSON, wrong type", path: "/echo", init: json('{"name":42}'), status: 400, code: "VALIDATION_ERROR" },
  { label: "unknown route", path: "/nope", status: 404, code: "NOT_FOUND", message: "Route GET /nope not found" },
  { label: "body over the limit", path: "/echo", init: json(JSON.stringify({ name: "x".repeat(4096) })), status: 413, code: "PAYLOAD_TOO_LARGE" },
];

interface Captured {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(host: RunningHost, step: Step, extraHeaders: Record<string, string> = {}): Promise<Captured> {
  const response = await fetch(`${host.url}${step.path}`, {
    ...step.init,
    headers: { ...(step.init?.headers as Record<string, string>), ...extraHeaders },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** The body without what legitimately differs between hosts and runs. */
function comparable(body: Record<string, unknown>): unknown {
  const { timestamp, request_id, ...rest } = body;
  const text = JSON.stringify(rest).replace(/"stack":"(?:[^"\\]|\\.)*"/g, '"stack":"<stack>"');
  return { ...JSON.parse(text), timestamp: typeof timestamp, request_id: typeof request_id };
}

for (const production of [true, false]) {
  describe(`hosts return identical envelopes (${production ? "production" : "development"})`, () => {
    const running = {} as Record<HostName, RunningHost>;
    const events: Record<HostName, ErrorEvent[]> = { express: [], fastify: [], hono: [] };

    beforeAll(async () => {
      for (const name of names) {
        const options: ErrorHandlerOptions = { production, onError: (event) => events[name].push(event) };
        running[name] = await hosts[name](options);
      }
    });
    afterAll(async () => {
      await Promise.all(names.map((name) => running[name].close()));
    });

    it.each(table)("$label → $status $code", async (step) => {
      const results = await Promise.all(names.map((name) => call(running[name], step)));
      for (const [index, result] of results.entries()) {
        expect(result.status, names[index]).toBe(step.status);
        expect(result.body.error_code, names[index]).toBe(step.code);
        expect(result.headers.get("content-type"), names[index]).toBe("application/json; charset=utf-8");
        if (step.message) expect(result.body.message, names[index]).toBe(step.message);
        if (production && step.status >= 500) {
          expect(result.body, names[index]).not.toHaveProperty("details");
          expect(JSON.stringify(result.body)).not.toContain("hunter2");
        }
      }
      // Express 5 replaces a promise rejected with a falsy value by `new Error("Rejected promise")`, so in
      // development the stack-bearing cause of `throw null` legitimately differs; production bodies are identical.
      const strip = !production && step.path === "/throw/null";
      const [first, ...others] = results.map((result) => comparable(strip ? { ...result.body, details: "-" } : result.body));
      for (const [index, other] of others.entries()) expect(other, names[index + 1]).toEqual(first);
    });

    it("echoes a safe x-request-id in the header and the body, and replaces an unsafe one", async () => {
      for (const name of names) {
        const echoed = await call(running[name], table[1] as Step, { "x-request-id": "trace-42" });
        expect(echoed.headers.get("x-request-id")).toBe("trace-42");
        expect(echoed.body.request_id).toBe("trace-42");
        const replaced = await call(running[name], table[1] as Step, { "x-request-id": "x".repeat(300) });
        expect(replaced.body.request_id, name).toMatch(/^(hono-)?[0-9a-f-]{36}$/);
        expect(replaced.headers.get("x-request-id")).toBe(replaced.body.request_id);
      }
    });

    it("uses the framework's request id in the body and the header", async () => {
      for (const name of names) {
        const result = await call(running[name], table[1] as Step);
        const prefix = { express: "exp-", fastify: "fst-", hono: "hono-" }[name];
        expect(result.body.request_id, name).toMatch(new RegExp(`^${prefix}[0-9a-f-]{36}$`));
        expect(result.headers.get("x-request-id"), name).toBe(result.body.request_id);
      }
    });

    it("sends Retry-After for rate limits", async () => {
      for (const name of names) {
        const result = await call(running[name], { label: "", path: "/throw/rate_limited", status: 429, code: "" });
        expect(result.headers.get("retry-after"), name).toBe("30");
      }
    });

    it.each([
      { path: "/foreign/http_errors_429", status: 429, code: "RATE_LIMITED", message: "Slow down", header: ["retry-after", "120"] },
      { path: "/foreign/http_errors_401", status: 401, code: "UNAUTHORIZED", message: "Token expired", header: ["www-authenticate", 'Bearer error="invalid_token"'] },
      { path: "/foreign/boom_503", status: 503, code: "SERVICE_UNAVAILABLE", header: ["retry-after", "60"] },
      { path: "/foreign/boom_401", status: 401, code: "UNAUTHORIZED", message: "Bad token", header: ["www-authenticate", 'Bearer error="Bad token"'] },
      { path: "/foreign/hono_503", status: 503, code: "SERVICE_UNAVAILABLE", header: ["retry-after", "15"] },
      { path: "/foreign/hono_429", status: 429, code: "RATE_LIMITED", message: "Too fast", header: ["retry-after", "5"] },
    ])("keeps the headers, status and message of $path", async (foreign) => {
      const [name, value] = foreign.header as [string, string];
      for (const host of names) {
        const result = await call(running[host], { label: "", path: foreign.path, status: 0, code: "" });
        expect(result.status, host).toBe(foreign.status);
        expect(result.headers.get(name), host).toBe(value);
        expect(result.headers.get("content-type"), host).toBe("application/json; charset=utf-8");
        expect(result.body.error_code, host).toBe(foreign.code);
        if (foreign.message) expect(result.body.message, host).toBe(foreign.message);
        if (production) expect(JSON.stringify(result.body), host).not.toContain("db-primary");
      }
    });

    it("keeps WWW-Authenticate from Hono's basicAuth", async () => {
      const result = await call(running.hono, { label: "", path: "/basic", status: 0, code: "" });
      expect(result.status).toBe(401);
      expect(result.headers.get("www-authenticate")).toBe('Basic realm="atom"');
      expect(result.body).toMatchObject({ success: false, error_code: "UNAUTHORIZED", message: "Unauthorized" });
    });

    it("closes the connection after a 413, so a keep-alive client's next request does not land on the unread body", async () => {
      const huge = { label: "", path: "/echo", init: json(JSON.stringify({ name: "x".repeat(200_000) })), status: 413, code: "" };
      for (const name of names) {
        for (let round = 0; round < 20; round++) {
          const refused = await call(running[name], huge);
          expect(refused.status, name).toBe(413);
          expect(refused.headers.get("connection"), name).toBe("close");
          const next = await call(running[name], { label: "", path: "/nope", status: 404, code: "" });
          expect(next.status, name).toBe(404);
        }
      }
    });

    it("serves problem+json when the Accept header asks for it", async () => {
      const step = table[1] as Step;
      const results = await Promise.all(
        names.map((name) => call(running[name], step, { accept: "application/problem+json", "x-request-id": "p-1" })),
      );
      for (const result of results) {
        expect(result.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
        expect(result.body).toMatchObject({
          type: "about:blank",
          title: "Not Found",
          status: 404,
          detail: "User not found (ID: abc123)",
          error_code: "USER_1101",
          severity: "low",
          request_id: "p-1",
          instance: "/throw/user_not_found",
        });
      }
      const [first, ...others] = results.map((result) => comparable(result.body));
      for (const other of others) expect(other).toEqual(first);
    });

    it("reports every error to onError with its severity", () => {
      for (const name of names) {
        const codes = events[name].map((event) => `${event.error.code}:${event.severity}`);
        expect(codes).toContain("DATABASE_ERROR:high");
        expect(codes).toContain("USER_1101:low");
        expect(codes).toContain("INTERNAL_ERROR:critical");
      }
    });
  });
}

describe("fastify-only mappings", () => {
  it("maps Fastify schema validation to VALIDATION_ERROR naming the field", async () => {
    const host = await hosts.fastify({ production: true, onError: () => undefined });
    try {
      const result = await call(host, { label: "", path: "/schema", init: json("{}"), status: 400, code: "" });
      expect(result.status).toBe(400);
      expect(result.body).toMatchObject({
        error_code: "VALIDATION_ERROR",
        details: { field: "body.name", issues: [{ path: ["body", "name"], code: "required" }] },
      });
    } finally {
      await host.close();
    }
  });
});

describe("the host's logger", () => {
  it("logs severe errors with the request id through Fastify's request.log, and a logger option on Express and Hono", async () => {
    const fastifyLog: string[] = [];
    const entries: { host: HostName; entry: Record<string, unknown>; message: string }[] = [];
    for (const name of names) {
      const logger = { error: (entry: Record<string, unknown>, message: string) => entries.push({ host: name, entry, message }) };
      const host = await hosts[name](name === "fastify" ? { production: true, fastifyLog } : { production: true, logger });
      try {
        const result = await call(host, { label: "", path: "/throw/database", status: 500, code: "" });
        const quiet = await call(host, { label: "", path: "/throw/user_not_found", status: 404, code: "" });
        expect(quiet.status).toBe(404);
        if (name === "fastify") {
          const lines = fastifyLog.map((line) => JSON.parse(line) as Record<string, unknown>);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatchObject({
            level: 50,
            reqId: result.body.request_id,
            error_code: "DATABASE_ERROR",
            err: { message: "relation users does not exist" },
          });
        } else {
          const mine = entries.filter((e) => e.host === name);
          expect(mine).toHaveLength(1);
          expect(mine[0]?.entry).toMatchObject({ request_id: result.body.request_id, error_code: "DATABASE_ERROR", status: 500 });
          expect(mine[0]?.message).toContain("DATABASE_ERROR");
        }
      } finally {
        await host.close();
      }
    }
  });
});

describe("the default mode", () => {
  it("sends 500 bodies without stack or message when neither NODE_ENV nor production is set", async () => {
    vi.stubEnv("NODE_ENV", undefined);
    try {
      for (const name of names) {
        const host = await hosts[name]({ onError: () => undefined });
        try {
          const result = await call(host, { label: "", path: "/throw/plain_error", status: 500, code: "" });
          expect(result.status, name).toBe(500);
          expect(result.body, name).not.toHaveProperty("details");
          expect(result.body.message, name).toBe("An internal error occurred");
          expect(JSON.stringify(result.body), name).not.toMatch(/hunter2|stack|\.ts:\d+/);
        } finally {
          await host.close();
        }
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
