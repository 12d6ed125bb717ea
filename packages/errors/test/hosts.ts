import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ErrorHandlerOptions } from "../src/index.js";
import { errorHandler as expressErrorHandler, notFoundHandler as expressNotFound } from "../src/express.js";
import { atomErrors } from "../src/fastify.js";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { PayloadTooLargeError } from "../src/index.js";
import {
  errorBoundary,
  errorHandler as honoErrorHandler,
  jsonBody,
  notFoundHandler as honoNotFound,
} from "../src/hono.js";
import { basicAuth } from "hono/basic-auth";
import { echoBody, foreignThrowers, type RunningHost, throwers } from "./scenario.js";

function throwCase(name: string, table: Record<string, () => never> = throwers): never {
  const thrower = table[name];
  if (!thrower) throw new Error(`no case ${name}`);
  return thrower();
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** Options of the test hosts: the handler's, plus where Fastify's own logger writes. */
export interface HostOptions extends ErrorHandlerOptions {
  /** Lines Fastify's pino logger writes (Fastify logs nothing without it). */
  fastifyLog?: string[];
}

export async function startExpress(options: HostOptions): Promise<RunningHost> {
  const app = express();
  // An app's own request-id middleware; the handler is told where it keeps the id.
  app.use((req: express.Request & { id?: string }, _res, next) => {
    const incoming = req.headers["x-request-id"];
    req.id = typeof incoming === "string" ? incoming : `exp-${randomUUID()}`;
    next();
  });
  app.use(express.json({ limit: "1kb" }));
  app.get("/throw/:name", async (req) => throwCase(req.params.name));
  app.get("/foreign/:name", (req) => throwCase(req.params.name, foreignThrowers));
  app.get("/http/:status", (req) => {
    throw Object.assign(new Error("framework error"), { status: Number(req.params.status) });
  });
  app.post("/echo", (req, res) => {
    res.json({ ok: true, body: echoBody.parse(req.body) });
  });
  const expressOptions = { ...options, requestId: (req: express.Request & { id?: string }) => req.id };
  app.use(expressNotFound(expressOptions));
  app.use(expressErrorHandler(expressOptions));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

export async function startFastify({ fastifyLog, ...options }: HostOptions): Promise<RunningHost> {
  const app = Fastify({
    bodyLimit: 1024,
    requestIdHeader: "x-request-id",
    genReqId: () => `fst-${randomUUID()}`,
    ...(fastifyLog ? { logger: { level: "warn", stream: { write: (line: string) => fastifyLog.push(line) } } } : {}),
  });
  await app.register(atomErrors, options);
  app.get<{ Params: { name: string } }>("/throw/:name", async (req) => throwCase(req.params.name));
  app.get<{ Params: { name: string } }>("/foreign/:name", async (req) => throwCase(req.params.name, foreignThrowers));
  app.get<{ Params: { status: string } }>("/http/:status", async (req) => {
    throw Object.assign(new Error("framework error"), { statusCode: Number(req.params.status) });
  });
  app.post("/echo", async (req) => ({ ok: true, body: echoBody.parse(req.body) }));
  app.post(
    "/schema",
    { schema: { body: { type: "object", required: ["name"], properties: { name: { type: "string" } } } } },
    async () => ({ ok: true }),
  );
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url: address, close: () => app.close() };
}

export async function startHono(options: HostOptions): Promise<RunningHost> {
  const app = new Hono();
  app.use(errorBoundary());
  app.use(requestId({ generator: () => `hono-${randomUUID()}` }));
  app.use(
    bodyLimit({
      maxSize: 1024,
      onError: () => {
        throw new PayloadTooLargeError();
      },
    }),
  );
  app.get("/throw/:name", async (c) => throwCase(c.req.param("name")));
  app.get("/foreign/:name", (c) => throwCase(c.req.param("name"), foreignThrowers));
  app.use("/basic", basicAuth({ username: "ada", password: "lovelace", realm: "atom" }));
  app.get("/basic", (c) => c.text("ok"));
  app.get("/http/:status", (c) => {
    throw new HTTPException(Number(c.req.param("status")) as 400, { message: "framework error" });
  });
  app.post("/echo", async (c) => c.json({ ok: true, body: echoBody.parse(await jsonBody(c)) }));
  app.notFound(honoNotFound(options));
  app.onError(honoErrorHandler(options));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

export const hosts = { express: startExpress, fastify: startFastify, hono: startHono };
