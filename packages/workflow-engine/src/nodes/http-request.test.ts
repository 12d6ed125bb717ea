import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServer } from "../../test/http-server.js";
import { installTripwire } from "../../test/tripwire.js";
import { createHttpClient } from "../http.js";
import { createWorkflowEngine, type Clock, type WorkflowDefinition } from "../index.js";

const tripwire = installTripwire();
let server: Awaited<ReturnType<typeof startServer>>;
let failuresLeft = 0;
const closedHangs = new Set<string>();
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url.startsWith("/flaky") && failuresLeft-- > 0) {
      res.writeHead(503, { "retry-after": "3" }).end("busy");
    } else if (req.url === "/missing") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"nope"}');
    } else if (req.url.startsWith("/hang")) {
      res.on("close", () => closedHangs.add(req.url));
      res.writeHead(200);
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, url: req.url }));
    }
  });
});
beforeEach(() => {
  server.seen.length = 0;
  failuresLeft = 0;
});
afterAll(async () => {
  await http.close();
  await server.close();
  expect(tripwire.violations).toEqual([]);
});

const http = createHttpClient({ allowHosts: ["127.0.0.1"] });
const delays: number[] = [];
const immediateClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    delays.push(ms);
    return setImmediate(fn);
  },
  clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
};
const one = (config: Record<string, unknown>, extra: Partial<WorkflowDefinition["nodes"][number]> = {}): WorkflowDefinition => ({
  id: "h",
  version: 1,
  nodes: [{ id: "call", type: "http_request", config, ...extra }],
  edges: [],
});

describe("http_request node", () => {
  const engine = createWorkflowEngine({ http, clock: immediateClock, random: () => 0, credentials: async () => "s3cr3t-token", credentialHosts: { crm: ["127.0.0.1"] } });

  it("sends a templated request with query, JSON body, idempotency key and credentials", async () => {
    const result = await engine.run(
      one({
        method: "POST",
        url: `${server.url}/users/{{ $input.id }}`,
        query: { expand: "{{ $input.expand }}", n: 2 },
        headers: { "x-trace": "t-{{ $run.input.id }}" },
        body: { name: "{{ $input.name }}", id: "{{ $input.id }}" },
        auth: { provider: "crm" },
      }),
      { id: 42, name: "Ada", expand: "teams" },
      { runId: "run-1" },
    );
    expect(result.status).toBe("success");
    expect(result.outputs.call).toMatchObject({ status: 200, body: { ok: true, url: "/users/42?expand=teams&n=2" } });
    const [req] = server.seen;
    expect(req?.body).toBe('{"name":"Ada","id":42}');
    expect(req?.headers).toMatchObject({
      "content-type": "application/json",
      "x-trace": "t-42",
      authorization: "Bearer s3cr3t-token",
      "idempotency-key": expect.stringMatching(/^[\w-]{32}$/),
    });
    expect(JSON.stringify(result)).not.toContain("s3cr3t-token");
  });

  it("encodes form and text bodies", async () => {
    await engine.run(one({ method: "PUT", url: `${server.url}/f`, bodyType: "form", body: { a: "1 2", b: "{{ $input.b }}" } }), { b: "x&y" });
    await engine.run(one({ method: "PATCH", url: `${server.url}/t`, bodyType: "text", body: "hello {{ $input.b }}" }), { b: "you" });
    expect(server.seen.map((s) => [s.headers["content-type"], s.body])).toEqual([
      ["application/x-www-form-urlencoded", "a=1+2&b=x%26y"],
      ["text/plain; charset=utf-8", "hello you"],
    ]);
  });

  it("retries 5xx honouring Retry-After with the same idempotency key", async () => {
    failuresLeft = 2;
    delays.length = 0;
    const result = await engine.run(one({ url: `${server.url}/flaky` }, { retry: { maxAttempts: 3, initialDelayMs: 100 } }));
    expect(result.nodes.call).toMatchObject({ status: "success", attempts: 3 });
    // The clock also sees the lease heartbeat (leaseMs / 3 = 10000 by default), which this clock fires at once.
    expect(delays.filter((ms) => ms !== 10_000)).toEqual([3000, 3000]);
    const keys = new Set(server.seen.map((s) => s.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
  });

  it("fails on 4xx without retrying", async () => {
    const result = await engine.run(one({ url: `${server.url}/missing` }, { retry: { maxAttempts: 3 } }));
    expect(result.nodes.call).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "HTTP_STATUS_ERROR", message: "[@atom/workflow-engine] [http] server answered 404", details: { status: 404 } },
    });
  });

  it("is guarded by default: loopback is refused without an allow-list", async () => {
    const guarded = createWorkflowEngine();
    const result = await guarded.run(one({ url: `${server.url}/x` }));
    expect(result.nodes.call?.error).toMatchObject({ code: "SSRF_BLOCKED", details: { reason: "loopback address" } });
    expect(server.seen).toEqual([]);
    await guarded.close();
  });

  it("cancels an in-flight request when the run is aborted", async () => {
    const controller = new AbortController();
    const pending = engine.run(one({ url: `${server.url}/hang` }), {}, { signal: controller.signal });
    while (server.seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const result = await pending;
    expect(result.status).toBe("cancelled");
    expect(result.error?.code).toBe("RUN_CANCELLED");
  });

  it("closes every in-flight request of a fan-out on abort, with no listener-leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const width = 20;
    const fan: WorkflowDefinition = {
      id: "fan",
      version: 1,
      nodes: [
        { id: "start", type: "transform", config: { operation: "extract", path: "" } },
        ...Array.from({ length: width }, (_, i) => ({ id: `h${i}`, type: "http_request", config: { url: `${server.url}/hang/${i}` } })),
      ],
      edges: Array.from({ length: width }, (_, i) => ({ from: "start", to: `h${i}` })),
    };
    const wide = createWorkflowEngine({ http: createHttpClient({ allowHosts: ["127.0.0.1"], connections: width }), concurrency: width });
    const urls = Array.from({ length: width }, (_, i) => `/hang/${i}`);
    const controller = new AbortController();
    const pending = wide.run(fan, {}, { signal: controller.signal });
    while (server.seen.length < width) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect((await pending).status).toBe("cancelled");
    while (!urls.every((url) => closedHangs.has(url))) await new Promise((resolve) => setImmediate(resolve));
    process.off("warning", onWarning);
    await wide.close();
    expect(warnings).toEqual([]);
  });

  it("closes the request when the node times out", async () => {
    const timed = createWorkflowEngine({ http });
    const result = await timed.run(one({ url: `${server.url}/hang/timeout` }, { timeoutMs: 50 }));
    expect(result.nodes.call?.error).toMatchObject({ code: "NODE_TIMEOUT", details: { nodeId: "call", timeoutMs: 50 } });
    while (!closedHangs.has("/hang/timeout")) await new Promise((resolve) => setImmediate(resolve));
    await timed.close();
  });

  it("fails cleanly without a credentials hook", async () => {
    const bare = createWorkflowEngine({ http, credentialHosts: { crm: ["127.0.0.1"] } });
    const result = await bare.run(one({ url: `${server.url}/x`, auth: { provider: "crm" } }));
    expect(result.nodes.call?.error).toMatchObject({
      code: "CREDENTIALS_UNAVAILABLE",
      message: '[@atom/workflow-engine] credentials for provider "crm" are unavailable',
    });
  });

  it.each([
    [{ method: "GET" }, "nodes.0.config.url"],
    [{ url: "x", method: "TRACE" }, "nodes.0.config.method"],
    [{ url: "x", bodyType: "xml" }, "nodes.0.config.bodyType"],
    [{ url: "x", headers: { a: 1 } }, "nodes.0.config.headers.a"],
    [{ url: "x", timeoutMs: 0 }, "nodes.0.config.timeoutMs"],
    [{ url: "x", auth: { provider: "" } }, "nodes.0.config.auth.provider"],
  ])("rejects bad config %j", (config, field) => {
    expect(engine.validate(one(config)).problems.map((p) => p.field)).toContain(field);
  });
});

describe("http_request config shape", () => {
  const engine = createWorkflowEngine({ http });

  it("refuses a malformed URL, another protocol, credentials in the URL and malformed headers at validation", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ url: "not a url" }, "nodes.0.config.url", "url is not an absolute URL"],
      [{ url: "not a url", query: { a: 1 } }, "nodes.0.config.url", "url is not an absolute URL"],
      [{ url: "ftp://example.com/" }, "nodes.0.config.url", "url protocol ftp: is not allowed (http: or https: only)"],
      [{ url: "http://svc:hunter2@example.com/" }, "nodes.0.config.url", "url must not contain credentials (user:password@); use headers or auth"],
      [{ url: "https://example.com/", headers: { "a b": "x" } }, "nodes.0.config.headers.a b", `header "a b" is not a valid header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_\`|~)`],
      [{ url: "https://example.com/", headers: { "x-a": "v\r\nInjected: 1" } }, "nodes.0.config.headers.x-a", 'header "x-a" value must not contain CR, LF or NUL'],
      [{ url: "https://example.com/", headers: { host: "internal" } }, "nodes.0.config.headers.host", 'header "host" is set by the HTTP client and cannot be configured'],
    ];
    for (const [config, field, message] of cases) {
      expect(engine.validate(one(config)).problems, JSON.stringify(config)).toEqual([{ nodeId: "call", field, message }]);
    }
    expect(engine.validate(one({ url: "{{ $input.url }}", headers: { "x-a": "{{ $input.h }}" } })).ok).toBe(true);
  });

  it("fails a templated URL or header that resolves malformed with VALIDATION_ERROR, once, and never reports a URL password", async () => {
    const finished: string[] = [];
    engine.on("node:finish", (event) => finished.push(JSON.stringify(event)));
    const retry = { maxAttempts: 3, initialDelayMs: 1 };
    const cases: [Record<string, unknown>, unknown, string][] = [
      [{ url: "{{ $input.url }}" }, { url: "not a url" }, "config.url"],
      [{ url: "{{ $input.url }}", query: { a: 1 } }, { url: "not a url" }, "config.url"],
      [{ url: "{{ $input.url }}" }, { url: `http://svc:hunter2@127.0.0.1:${server.port}/` }, "config.url"],
      [{ url: `${server.url}/` , headers: { "x-a": "{{ $input.h }}" } }, { h: "v\r\nInjected: 1" }, "config.headers.x-a"],
    ];
    for (const [config, input, field] of cases) {
      const result = await engine.run(one(config, { retry }), input);
      expect(result.nodes.call, JSON.stringify(config)).toMatchObject({ status: "failed", attempts: 1, error: { code: "VALIDATION_ERROR", details: { field } } });
      expect(JSON.stringify(result)).not.toContain("hunter2");
    }
    expect(finished.some((event) => event.includes("hunter2"))).toBe(false);
    expect(server.seen).toEqual([]);
  });
});
