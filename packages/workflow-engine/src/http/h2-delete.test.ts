import { readFileSync } from "node:fs";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient } from "../http.js";

// A self-signed certificate for 127.0.0.1 made for these tests only (test/tls-*.pem).
const cert = readFileSync(new URL("../../test/tls-cert.pem", import.meta.url));
const key = readFileSync(new URL("../../test/tls-key.pem", import.meta.url));

let server: Http2SecureServer;
let origin = "";
beforeAll(async () => {
  server = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, version: req.httpVersion, body })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

// undici 7.30.2 (the last release for Node 20; the fix, nodejs/undici#5030, shipped in 8.x, which needs Node 22)
// fails an HTTP/2 DELETE with a body and leaves the session stuck: the next request to the origin hangs.
describe("allowH2 with a DELETE body", () => {
  it("delivers the DELETE body, and the next request to the origin still goes over HTTP/2", async () => {
    const client = createHttpClient({ allowH2: true, allowHosts: ["127.0.0.1"], ca: cert, timeoutMs: 5_000 });
    const deleted = await client.request({ method: "DELETE", url: `${origin}/items/1`, body: "reason=dup", headers: { "content-type": "text/plain" } });
    expect(deleted).toMatchObject({ status: 200, body: { method: "DELETE", version: "1.1", body: "reason=dup" } });
    const next = await client.request({ method: "GET", url: `${origin}/items` });
    expect(next).toMatchObject({ status: 200, body: { method: "GET", version: "2.0" } });
    const bare = await client.request({ method: "DELETE", url: `${origin}/items/2` });
    expect(bare).toMatchObject({ status: 200, body: { method: "DELETE", version: "2.0" } });
    await expect(client.close()).resolves.toBeUndefined();
  });

  it("close() resolves even when called twice", async () => {
    const client = createHttpClient({ allowH2: true, allowHosts: ["127.0.0.1"], ca: cert });
    await client.request({ method: "DELETE", url: `${origin}/x`, body: "b" });
    await expect(Promise.all([client.close(), client.close()])).resolves.toEqual([undefined, undefined]);
  });
});
