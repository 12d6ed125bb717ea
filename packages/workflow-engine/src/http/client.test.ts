import type { LookupFunction } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../test/http-server.js";
import { installTripwire } from "../../test/tripwire.js";
import { createHttpClient } from "../http.js";
import { createWorkflowEngine } from "../index.js";

const tripwire = installTripwire();

// Maps test hostnames to fixed addresses; no real DNS query ever leaves the process.
const hosts: Record<string, string> = {
  "private.test": "10.0.0.1",
  "metadata.test": "169.254.169.254",
  "lan.test": "192.168.1.20",
  "v6.test": "::1",
  "mapped.test": "::ffff:10.0.0.1",
  "loop.test": "127.0.0.1",
};
const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  const address = hosts[hostname];
  if (!address) return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }));
  const family = address.includes(":") ? 6 : 4;
  return options.all ? callback(null, [{ address, family }]) : callback(null, address, family);
}) as unknown as LookupFunction;

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url.startsWith("/redirect?to=")) {
      res.writeHead(302, { location: decodeURIComponent(req.url.slice("/redirect?to=".length)) }).end();
    } else if (req.url === "/json") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hello: "world", method: req.method }));
    } else if (req.url === "/deep") {
      res.writeHead(200, { "content-type": "application/json" }).end(`${"[".repeat(200)}${"]".repeat(200)}`);
    } else if (req.url === "/big") {
      res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(5000));
    } else if (req.url === "/hang") {
      res.writeHead(200, { "content-type": "text/plain" });
    } else if (req.url === "/chunked") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("one ");
      setTimeout(() => res.write("two "), 5);
      setTimeout(() => res.end("three"), 10);
    } else if (req.url === "/cut") {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "100" });
      res.write("only ten b");
      setTimeout(() => res.socket?.destroy(), 5);
    } else if (req.url === "/binary") {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from([1, 2, 3]));
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end(`echo ${req.method} ${req.body}`);
    }
  });
});
afterAll(async () => {
  await server.close();
  expect(tripwire.violations).toEqual([]);
});

describe("SSRF guard", () => {
  const client = createHttpClient({ lookup });
  afterAll(() => client.close());

  it.each([
    ["http://127.0.0.1:1/", "127.0.0.1", "loopback address"],
    ["http://10.0.0.1/", "10.0.0.1", "private address"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254", "cloud metadata address"],
    ["http://192.168.0.10/", "192.168.0.10", "private address"],
    ["http://[::1]/", "::1", "loopback address"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "IPv4-mapped loopback address"],
    ["http://[fd00:ec2::254]/", "fd00:ec2::254", "unique-local address"],
  ])("refuses the literal %s before connecting", async (url, host, reason) => {
    await expect(client.request({ method: "GET", url })).rejects.toMatchObject({
      code: "SSRF_BLOCKED",
      status: 403,
      message: `[@atom/workflow-engine] [http] request to "${host}" refused: ${reason}`,
    });
  });

  it.each([
    ["private.test", "10.0.0.1", "private address"],
    ["metadata.test", "169.254.169.254", "cloud metadata address"],
    ["lan.test", "192.168.1.20", "private address"],
    ["v6.test", "::1", "loopback address"],
    ["mapped.test", "::ffff:10.0.0.1", "IPv4-mapped private address"],
    ["loop.test", "127.0.0.1", "loopback address"],
  ])("refuses %s after DNS resolves it to %s", async (host, address, reason) => {
    await expect(client.request({ method: "GET", url: `http://${host}:${server.port}/json` })).rejects.toMatchObject({
      code: "SSRF_BLOCKED",
      details: { host, address, reason },
    });
  });

  it("refuses non-http protocols", async () => {
    await expect(client.request({ method: "GET", url: "file:///etc/passwd" })).rejects.toMatchObject({
      code: "SSRF_BLOCKED",
      details: { reason: "protocol file: is not allowed" },
    });
  });

  it("re-checks every redirect hop", async () => {
    const allowed = createHttpClient({ lookup, allowHosts: ["127.0.0.1"] });
    try {
      for (const target of ["http://169.254.169.254/latest", "http://10.0.0.1/", "http://private.test/"]) {
        await expect(
          allowed.request({ method: "GET", url: `${server.url}/redirect?to=${encodeURIComponent(target)}` }),
        ).rejects.toMatchObject({ code: "SSRF_BLOCKED" });
      }
    } finally {
      await allowed.close();
    }
  });

  it("reports DNS failures as request failures", async () => {
    await expect(client.request({ method: "GET", url: "http://nowhere.test/" })).rejects.toMatchObject({
      code: "HTTP_REQUEST_FAILED",
      details: { host: "nowhere.test", reason: "ENOTFOUND" },
    });
  });
});

describe("client against an allow-listed local server", () => {
  const client = createHttpClient({ lookup, allowHosts: ["127.0.0.1", "loop.test"], maxResponseBytes: 1000, timeoutMs: 200 });
  afterAll(() => client.close());
  afterEach(() => {
    server.seen.length = 0;
  });

  it("parses JSON, text and binary bodies", async () => {
    await expect(client.request({ method: "POST", url: `${server.url}/json` })).resolves.toMatchObject({
      status: 200,
      body: { hello: "world", method: "POST" },
      headers: expect.objectContaining({ "content-type": "application/json" }),
    });
    expect((await client.request({ method: "PUT", url: `${server.url}/echo`, body: "hi" })).body).toBe("echo PUT hi");
    expect((await client.request({ method: "GET", url: `${server.url}/binary` })).body).toBe("AQID");
  });

  it("refuses a URL with credentials, an invalid URL and malformed headers with VALIDATION_ERROR, sending nothing", async () => {
    const cases: [Parameters<typeof client.request>[0], string, string][] = [
      [{ method: "GET", url: `http://svc:hunter2@127.0.0.1:${server.port}/json` }, "url", "[@atom/workflow-engine] [http] url must not contain credentials (user:password@); use headers or auth"],
      [{ method: "GET", url: new URL(`http://svc@127.0.0.1:${server.port}/json`) }, "url", "[@atom/workflow-engine] [http] url must not contain credentials (user:password@); use headers or auth"],
      [{ method: "GET", url: "not a url" }, "url", "[@atom/workflow-engine] [http] url is not an absolute URL"],
      [{ method: "GET", url: `${server.url}/json`, headers: { "a b": "x" } }, "headers.a b", expect.stringContaining('header "a b" is not a valid header name') as never],
      [{ method: "GET", url: `${server.url}/json`, headers: { "x-a": "v\r\nInjected: 1" } }, "headers.x-a", '[@atom/workflow-engine] [http] header "x-a" value must not contain CR, LF or NUL'],
      [{ method: "GET", url: `${server.url}/json`, headers: { Host: "internal" } }, "headers.Host", '[@atom/workflow-engine] [http] header "Host" is set by the HTTP client and cannot be configured'],
    ];
    for (const [request, field, message] of cases) {
      const error = await client.request(request).catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ code: "VALIDATION_ERROR", status: 400, message, details: { field } });
      expect(JSON.stringify(error)).not.toContain("hunter2");
    }
    expect(server.seen).toEqual([]);
  });

  it("drops every header but the descriptive ones on a cross-origin redirect, and credentials from a redirect URL", async () => {
    const headers = { authorization: "Bearer SECRET", "x-api-key": "KEY", cookie: "s=1", accept: "application/json", "idempotency-key": "run:node" };
    const same = await client.request({ method: "GET", url: `${server.url}/redirect?to=%2Fjson`, headers });
    expect(same.status).toBe(200);
    expect(server.seen[1]?.headers).toMatchObject({ authorization: "Bearer SECRET", "x-api-key": "KEY", cookie: "s=1" });
    server.seen.length = 0;
    const target = `http://user:pw@loop.test:${server.port}/json`;
    const moved = await client.request({ method: "GET", url: `${server.url}/redirect?to=${encodeURIComponent(target)}`, headers });
    expect(moved).toMatchObject({ status: 200, url: `http://loop.test:${server.port}/json` });
    const hop = server.seen[1]?.headers ?? {};
    expect([hop.authorization, hop["x-api-key"], hop.cookie]).toEqual([undefined, undefined, undefined]);
    expect([hop.accept, hop["idempotency-key"]]).toEqual(["application/json", "run:node"]);
  });

  it("rejects a redirect whose Location does not parse with a typed, non-retried error that does not echo it", async () => {
    const location = encodeURIComponent("http://[::1/secret-token-in-location");
    const url = `${server.url}/redirect?to=${location}`;
    const expected = {
      code: "HTTP_STATUS_ERROR",
      status: 502,
      message: "[@atom/workflow-engine] [http] server answered 302 with a Location that is not a valid URL",
      details: { status: 302 },
    };
    const error = await client.request({ method: "GET", url }).catch((e: unknown) => e);
    expect(error).toMatchObject(expected);
    expect(JSON.stringify(error)).not.toContain("secret-token");
    server.seen.length = 0;
    const engine = createWorkflowEngine({ http: client });
    const result = await engine.run({ id: "w", version: 1, nodes: [{ id: "h", type: "http_request", retry: { maxAttempts: 3, initialDelayMs: 1 }, config: { url } }], edges: [] });
    expect(result.nodes.h).toMatchObject({ status: "failed", attempts: 1, error: { code: "HTTP_STATUS_ERROR", details: { status: 302 } } });
    expect(server.seen).toHaveLength(1);
  });

  it("resolves allow-listed hostnames and follows redirects", async () => {
    const res = await client.request({ method: "GET", url: `http://loop.test:${server.port}/redirect?to=%2Fjson` });
    expect(res).toMatchObject({ status: 200, url: `http://loop.test:${server.port}/json`, body: { method: "GET" } });
  });

  it("caps the response size", async () => {
    await expect(client.request({ method: "GET", url: `${server.url}/big` })).rejects.toMatchObject({
      code: "HTTP_RESPONSE_TOO_LARGE",
      message: "[@atom/workflow-engine] [http] response body exceeds 1000 bytes",
    });
  });

  it("refuses a JSON body nested deeper than MAX_JSON_DEPTH instead of handing it to the run", async () => {
    await expect(client.request({ method: "GET", url: `${server.url}/deep` })).rejects.toMatchObject({
      code: "HTTP_RESPONSE_TOO_COMPLEX",
      status: 502,
      message: `[@atom/workflow-engine] [http] response JSON nested deeper than 64 levels at "${Array(64).fill("0").join(".")}"`,
      details: { path: Array(64).fill("0").join(".") },
    });
  });

  it("joins a body that arrives in several chunks", async () => {
    expect((await client.request({ method: "GET", url: `${server.url}/chunked` })).body).toBe("one two three");
  });

  it("fails a body cut off before its end as a request failure, not a short success", async () => {
    await expect(client.request({ method: "GET", url: `${server.url}/cut` })).rejects.toMatchObject({
      code: "HTTP_REQUEST_FAILED",
      details: { host: "127.0.0.1" },
    });
  });

  it("times out a stalled body", async () => {
    await expect(client.request({ method: "GET", url: `${server.url}/hang`, timeoutMs: 50 })).rejects.toMatchObject({ code: "TIMEOUT" });
  });

  it("aborts an in-flight request with the signal's reason", async () => {
    const controller = new AbortController();
    const pending = client.request({ method: "GET", url: `${server.url}/hang`, signal: controller.signal, timeoutMs: 10_000 });
    const reason = new Error("stop");
    setImmediate(() => controller.abort(reason));
    await expect(pending).rejects.toBe(reason);
  });

  it("validates options", () => {
    expect(() => createHttpClient({ connections: 0 })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "connections" }) }),
    );
  });
});
