// @atom/errors on a real host under autocannon: for Express, Fastify and Hono, the same routes served with the Atom
// handlers and with the framework's own default handler, each in its own child process on 127.0.0.1.
// Rounds are interleaved (Atom and default measured twice each, mirrored: ABBA, then BAAB), every round starts fresh
// server processes, and the figure is the median of the per-round ratios, since on a shared machine load drifts more
// between runs than the difference measured. A control row compares two processes of the same default server: its
// distance from 1.000× is the noise of the run. Run by `pnpm bench`; BENCH_HTTP_ROUNDS and BENCH_HTTP_SECONDS bound
// its length (BENCH_HTTP_WARMUP: seconds of load before each pair is measured), BENCH_HTTP_HOSTS (comma-separated) picks
// hosts.
//
// Routes, identical in both variants of a host:
//   GET /ok       returns {"ok":true} (the happy path: what registering the Atom handlers costs a request)
//   GET /missing  throws the host's own 404 error: http-errors on Express and Fastify, HTTPException on Hono
//   GET /atom-404 throws @atom/errors' UserNotFoundError. Express's and Fastify's default handlers read its
//                 `status` (404); Hono's answers any non-HTTPException with a 500, so on Hono the default side of
//                 this row is /missing, the 404 a Hono app throws.
// A fourth host, `floor` (run when BENCH_HTTP_HOSTS names it), is bare node:http sending ready-made bytes: the
// default side sends the response Fastify's default handler gives a UserNotFoundError, the Atom side the response
// Atom's Fastify handler gives it (the envelope and its headers, rendered once at start-up). No handler runs on
// either side, so its ratio is the most any handler that sends the envelope can reach against Fastify's default.
import { fork } from "node:child_process";
import { median } from "./interleave.mjs";
import { fileURLToPath } from "node:url";

const HOSTS = (process.env.BENCH_HTTP_HOSTS ?? "express,fastify,hono").split(",");

if (process.argv[2] === "--serve") await serve(process.argv[3], process.argv[4]);
else await main();

async function main() {
  const autocannon = (await import("autocannon")).default;
  const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 5);
  const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 1);
  // A fresh server is slower until the JIT has tiered up and the heap has grown to its load.
  const warmup = Number(process.env.BENCH_HTTP_WARMUP ?? 4);
  const connections = 16;
  const measure = async (host, variant, server, path, duration) => {
    const cpuBefore = await server.cpu();
    const result = await autocannon({ url: `http://127.0.0.1:${server.port}${path}`, connections, duration, pipelining: 1 });
    const cpu = (await server.cpu()) - cpuBefore;
    const expected = path === "/ok" ? result["2xx"] : result["4xx"];
    if (result.errors > 0 || result.timeouts > 0 || expected !== result.requests.total) {
      const { errors, timeouts, ["2xx"]: ok, ["4xx"]: client, ["5xx"]: server } = result;
      throw new Error(`${host} ${variant} ${path}: unexpected responses ${JSON.stringify({ errors, timeouts, ok, client, server })}`);
    }
    return { rps: result.requests.total / duration, cpu: cpu / result.requests.total };
  };
  const comparisons = [];
  for (const host of HOSTS) {
    const atomMissing = host === "hono" ? "/missing" : "/atom-404";
    const floor = [
      ["floor: envelope bytes vs Fastify's", "atom", "/atom-404", "/atom-404"],
      ["control: default vs default, error path", "default", "/atom-404", "/atom-404"],
    ];
    const rows = (host === "floor" ? floor : [
      ["happy path GET /ok", "atom", "/ok", "/ok"],
      ["error path: host's 404 thrown", "atom", "/missing", "/missing"],
      ["error path: UserNotFoundError thrown", "atom", "/atom-404", atomMissing],
      // Two processes of the same default server: how far apart identical contenders land (the noise floor).
      ["control: default vs default, error path", "default", atomMissing, atomMissing],
    ]).map(([label, variant, atomPath, basePath]) => ({ host, label, variant, atomPath, basePath, base: [], atom: [], baseCpu: [], atomCpu: [], ratios: [], cpuRatios: [] }));
    for (let round = 0; round < rounds; round++) {
      for (const row of rows) {
        // Fresh processes for every measurement, with the same history: one process of a server can run faster or
        // slower than another of the same server for its whole life (where the scheduler and the JIT happen to put
        // it, how far its heap has grown), which interleaving alone does not cancel. The control row shows how much.
        const [base, other] = await Promise.all([start(host, "default"), start(host, row.variant)]);
        try {
          const runBase = () => measure(host, "default", base, row.basePath, seconds);
          const runOther = () => measure(host, row.variant, other, row.atomPath, seconds);
          // Both warm up at once, to a steady rate, before either is measured.
          await Promise.all([
            autocannon({ url: `http://127.0.0.1:${base.port}${row.basePath}`, connections, duration: warmup }),
            autocannon({ url: `http://127.0.0.1:${other.port}${row.atomPath}`, connections, duration: warmup }),
          ]);
          // Then both twice, mirrored (ABBA, and BAAB the next round), summing each side: whichever goes first in a
          // pair has no edge, and load drifting over the seconds of a round is weighed equally on both sides.
          const order = round % 2 === 0 ? [runBase, runOther, runOther, runBase] : [runOther, runBase, runBase, runOther];
          const runs = [];
          for (const run of order) runs.push(await run());
          const [b1, b2] = round % 2 === 0 ? [runs[0], runs[3]] : [runs[1], runs[2]];
          const [a1, a2] = round % 2 === 0 ? [runs[1], runs[2]] : [runs[0], runs[3]];
          const b = { rps: (b1.rps + b2.rps) / 2, cpu: (b1.cpu + b2.cpu) / 2 };
          const a = { rps: (a1.rps + a2.rps) / 2, cpu: (a1.cpu + a2.cpu) / 2 };
          row.base.push(b.rps);
          row.atom.push(a.rps);
          row.baseCpu.push(b.cpu);
          row.atomCpu.push(a.cpu);
          row.ratios.push(a.rps / b.rps);
          row.cpuRatios.push(b.cpu / a.cpu);
        } finally {
          base.child.kill();
          other.child.kill();
        }
      }
    }
    comparisons.push(...rows);
  }
  report(comparisons, rounds, seconds, connections);
}

function report(comparisons, rounds, seconds, connections) {
  console.log(
    `\n@atom/errors vs each framework's default handler, autocannon on 127.0.0.1, ${connections} connections, ` +
      `${rounds} rounds of 2 × ${seconds}s per side (ABBA, BAAB), fresh server processes every round.\n  req/s: medians; ratio: median of the per-round ` +
      `atom/default ratios; cpu ratio: the same for the server's CPU time per request (default/atom), which other ` +
      `processes on a shared machine disturb less`,
  );
  console.log(
    `  ${"host".padEnd(8)} ${"route".padEnd(40)} ${"default".padStart(9)} ${"atom".padStart(9)}  ${"ratio".padStart(6)}  cpu ratio  cpu µs/req default / atom`,
  );
  for (const { host, label, base, atom, baseCpu, atomCpu, ratios, cpuRatios } of comparisons) {
    console.log(
      `  ${host.padEnd(8)} ${label.padEnd(40)} ${median(base).toFixed(0).padStart(9)} ${median(atom).toFixed(0).padStart(9)}  ` +
        `${median(ratios).toFixed(3)}×  ${median(cpuRatios).toFixed(3)}×     ${median(baseCpu).toFixed(1)} / ${median(atomCpu).toFixed(1)}`,
    );
  }
}

function start(host, variant) {
  const child = fork(fileURLToPath(import.meta.url), ["--serve", host, variant], {
    env: { ...process.env, NODE_ENV: "production" },
    // Express's default handler writes every error's stack to stderr; that is part of what it costs, not output to show.
    stdio: ["ignore", "ignore", "ignore", "ipc"],
  });
  const cpu = () =>
    new Promise((resolve) => {
      child.once("message", resolve);
      child.send("cpu");
    });
  return new Promise((resolve, reject) => {
    child.once("message", (port) => resolve({ child, port, cpu }));
    child.once("exit", (code) => reject(new Error(`${host} ${variant} server exited with ${code}`)));
  });
}

async function serve(host, variant) {
  process.on("SIGINT", () => process.exit(0));
  const atom = variant === "atom";
  const { UserNotFoundError } = await import("@atom/errors");
  const throwAtom = () => {
    throw new UserNotFoundError({ userId: "abc123" });
  };
  let server;
  if (host === "express") {
    const { default: express } = await import("express");
    const { default: createHttpError } = await import("http-errors");
    const { errorHandler, notFoundHandler } = await import("@atom/errors/express");
    const app = express();
    app.get("/ok", (_req, res) => res.json({ ok: true }));
    app.get("/missing", () => {
      throw createHttpError(404, "User not found");
    });
    app.get("/atom-404", throwAtom);
    if (atom) {
      app.use(notFoundHandler());
      app.use(errorHandler());
    }
    server = app.listen(0, "127.0.0.1");
  } else if (host === "fastify") {
    const { default: Fastify } = await import("fastify");
    const { default: createHttpError } = await import("http-errors");
    const { atomErrors } = await import("@atom/errors/fastify");
    const app = Fastify();
    if (atom) await app.register(atomErrors);
    app.get("/ok", async () => ({ ok: true }));
    app.get("/missing", async () => {
      throw createHttpError(404, "User not found");
    });
    app.get("/atom-404", async () => throwAtom());
    await app.listen({ port: 0, host: "127.0.0.1" });
    server = app.server;
  } else if (host === "floor") {
    server = await serveFloor(atom);
  } else {
    const { Hono } = await import("hono");
    const { HTTPException } = await import("hono/http-exception");
    const { serve: listen } = await import("@hono/node-server");
    const { errorBoundary, errorHandler, notFoundHandler } = await import("@atom/errors/hono");
    const app = new Hono();
    if (atom) app.use(errorBoundary());
    app.get("/ok", (c) => c.json({ ok: true }));
    app.get("/missing", () => {
      throw new HTTPException(404, { message: "User not found" });
    });
    app.get("/atom-404", throwAtom);
    if (atom) {
      app.notFound(notFoundHandler());
      app.onError(errorHandler());
    }
    server = listen({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  }
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  process.on("message", () => {
    const { user, system } = process.cpuUsage();
    process.send(user + system);
  });
  process.send(server.address().port);
}

/** The `floor` host: node:http writing the response each side's Fastify handler sends for a UserNotFoundError. */
async function serveFloor(atom) {
  const { createServer } = await import("node:http");
  const { UserNotFoundError, toErrorResponse } = await import("@atom/errors");
  const error = new UserNotFoundError({ userId: "abc123" });
  // Fastify numbers its request ids req-1, req-2...: a mid-run one stands for them.
  const { status, headers, body } = toErrorResponse(error, { requestId: "req-12345" });
  const atomText = JSON.stringify(body);
  const defaultText = JSON.stringify({ statusCode: 404, code: error.code, error: "Not Found", message: error.message });
  const json = "application/json; charset=utf-8";
  const atomHeaders = { ...headers, "content-length": String(Buffer.byteLength(atomText)) };
  const defaultHeaders = { "content-type": json, "content-length": String(Buffer.byteLength(defaultText)) };
  const server = createServer((req, res) => {
    if (req.url === "/ok") {
      res.writeHead(200, { "content-type": json, "content-length": "11" });
      res.end('{"ok":true}');
    } else if (atom) {
      res.writeHead(status, atomHeaders);
      res.end(atomText);
    } else {
      res.writeHead(404, defaultHeaders);
      res.end(defaultText);
    }
  });
  server.listen(0, "127.0.0.1");
  return server;
}
