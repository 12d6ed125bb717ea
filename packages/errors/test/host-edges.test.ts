import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, PayloadTooLargeError } from "../src/index.js";
import { errorHandler as expressErrorHandler, notFoundHandler as expressNotFound } from "../src/express.js";
import { atomErrors } from "../src/fastify.js";
import { errorHandler as honoErrorHandler, notFoundHandler as honoNotFound } from "../src/hono.js";

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function listening(server: Server): Promise<string> {
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return new Promise((resolve) => {
    const ready = () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (server.listening) ready();
    else server.once("listening", ready);
  });
}

/** One app per host whose `/stale` route sets body headers and then fails, and whose `/too-large` throws a 413. */
async function apps(): Promise<Record<string, string>> {
  const exp = express();
  exp.get("/stale", (_req, res) => {
    res.setHeader("content-length", "5000");
    res.setHeader("content-encoding", "gzip");
    throw new ConflictError();
  });
  exp.get("/too-large", () => {
    throw new PayloadTooLargeError();
  });
  exp.use(expressNotFound());
  exp.use(expressErrorHandler());
  const fst = Fastify();
  await fst.register(atomErrors);
  fst.get("/stale", async (_req, reply) => {
    reply.header("content-length", "5000").header("content-encoding", "gzip");
    throw new ConflictError();
  });
  fst.get("/too-large", async () => {
    throw new PayloadTooLargeError();
  });
  const fastifyUrl = await fst.listen({ port: 0, host: "127.0.0.1" });
  closers.push(() => fst.close());
  const hono = new Hono();
  hono.get("/stale", (c) => {
    c.header("content-length", "5000");
    c.header("content-encoding", "gzip");
    throw new ConflictError();
  });
  hono.get("/too-large", () => {
    throw new PayloadTooLargeError();
  });
  hono.notFound(honoNotFound());
  hono.onError(honoErrorHandler());
  return {
    express: await listening(exp.listen(0, "127.0.0.1")),
    fastify: fastifyUrl,
    hono: await listening(serve({ fetch: hono.fetch, port: 0, hostname: "127.0.0.1" }) as Server),
  };
}

describe("host glue", () => {
  it("drops the body headers a failing route had set, so the error body is framed and decoded as sent", async () => {
    for (const [host, url] of Object.entries(await apps())) {
      const res = await fetch(`${url}/stale`, { signal: AbortSignal.timeout(5000) });
      expect(res.status, host).toBe(409);
      expect(res.headers.get("content-encoding"), host).toBeNull();
      expect(await res.json(), host).toMatchObject({ success: false, error_code: "CONFLICT" });
    }
  });

  it("frames every error body with its content-length, so keep-alive clients read it and reuse the connection", async () => {
    for (const [host, url] of Object.entries(await apps())) {
      for (const path of ["/stale", "/nope"]) {
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
        const body = await res.arrayBuffer();
        expect(res.headers.get("content-length"), `${host} ${path}`).toBe(String(body.byteLength));
        expect(res.headers.get("transfer-encoding"), `${host} ${path}`).toBeNull();
      }
    }
  });

  it("closes the connection after a 413 the app throws itself, on every host", async () => {
    for (const [host, url] of Object.entries(await apps())) {
      const res = await fetch(`${url}/too-large`);
      expect(res.status, host).toBe(413);
      expect(res.headers.get("connection"), host).toBe("close");
      await res.arrayBuffer();
    }
  });

  it("Express: a requestId callback that throws (the request never reached your middleware) still gets the envelope", async () => {
    const app = express();
    app.use(express.json());
    app.post("/x", (_req, res) => res.json({}));
    app.use(expressErrorHandler({ production: true, requestId: (req: express.Request & { ctx?: { id: string } }) => (req.ctx as { id: string }).id }));
    const url = await listening(app.listen(0, "127.0.0.1"));
    const res = await fetch(`${url}/x`, { method: "POST", headers: { "content-type": "application/json" }, body: "{bad" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ success: false, error_code: "INVALID_JSON" });
    expect(body).not.toContain("at ");
  });

  it("Fastify: an unsafe id copied from requestIdHeader is replaced, as on the other hosts", async () => {
    const app = Fastify({ requestIdHeader: "x-request-id" });
    await app.register(atomErrors);
    app.get("/x", async () => {
      throw new ConflictError();
    });
    await app.ready();
    closers.push(() => app.close());
    for (const unsafe of ["<script>alert(1)</script>", "${jndi:ldap://evil/a}", '"},"success":true', "id;evil=1,other"]) {
      const res = await app.inject({ method: "GET", url: "/x", headers: { "x-request-id": unsafe } });
      expect(res.json().request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers["x-request-id"]).toBe(res.json().request_id);
    }
  });

  it("Hono: the problem's instance and the not-found message carry the path as sent, percent-encoded", async () => {
    const app = new Hono();
    app.notFound(honoNotFound());
    const res = await app.request("http://h/x%0D%0Ay/caf%C3%A9?q=1", { headers: { accept: "application/problem+json" } });
    const body = await res.json();
    expect(body).toMatchObject({ instance: "/x%0D%0Ay/caf%C3%A9", detail: "Route GET /x%0D%0Ay/caf%C3%A9 not found" });
  });
});
