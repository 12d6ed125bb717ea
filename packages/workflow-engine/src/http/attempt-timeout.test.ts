import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkflowEngine } from "../index.js";
import { createHttpClient } from "../http.js";

// Answers at once, then trickles its body one byte every 50 ms for 2 s: never idle long enough for an inactivity
// timeout, always far past a 300 ms bound on the whole attempt.
let server: Server;
let url = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "/trickle" }).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" });
    let sent = 0;
    const timer = setInterval(() => {
      res.write("x");
      if (++sent === 40) {
        clearInterval(timer);
        res.end();
      }
    }, 50);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("timeoutMs bounds the whole attempt (connect + headers + body)", () => {
  const client = createHttpClient({ allowHosts: ["127.0.0.1"] });
  afterAll(() => client.close());

  it("times out a body trickled past the bound, though it is never idle", async () => {
    await expect(client.request({ method: "GET", url: `${url}/trickle`, timeoutMs: 300 })).rejects.toMatchObject({
      code: "TIMEOUT",
      message: '[@atom/workflow-engine] [http] request to "127.0.0.1" timed out',
    });
  });

  it("counts redirects into the same bound", async () => {
    await expect(client.request({ method: "GET", url: `${url}/redirect`, timeoutMs: 300 })).rejects.toMatchObject({ code: "TIMEOUT" });
  });

  it("fails an http_request node with TIMEOUT", async () => {
    const engine = createWorkflowEngine({ http: client });
    const result = await engine.run({
      id: "t",
      version: 1,
      nodes: [{ id: "call", type: "http_request", config: { url: `${url}/trickle`, timeoutMs: 300 } }],
      edges: [],
    });
    expect(result.nodes.call).toMatchObject({ status: "failed", error: { code: "TIMEOUT" } });
  });

  it("a caller's abort still wins with its own reason", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const pending = client.request({ method: "GET", url: `${url}/trickle`, timeoutMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
  });
});
