import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createWorkflowEngine, type WorkflowDefinition } from "@atom/workflow-engine";
import { createHttpClient } from "@atom/workflow-engine/http";
import { Agent, request } from "undici";
import { afterAll, beforeAll, bench, describe } from "vitest";

// Per-node overhead: every node is an identity `extract`, so the engine's scheduling, bookkeeping and store writes
// are what is measured; the hand-written limit awaits one async identity function per node.
const CHAIN = 1_000;
const WIDTH = 100;
const identity = async (value: unknown) => value;

/** What a run records per node (see `NodeResult`), for the baseline that keeps results too. */
interface NodeRecord {
  status: "success";
  output: unknown;
  attempts: number;
  startedAt: string;
  finishedAt: string;
}
// The engine formats one ISO string per millisecond; the baseline does the same.
let isoMs = Number.NaN;
let isoText = "";
const isoNow = () => {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
};

const chain: WorkflowDefinition = {
  id: "chain",
  version: 1,
  nodes: Array.from({ length: CHAIN }, (_, i) => ({ id: `n${i}`, type: "transform", config: { operation: "extract", path: "" } })),
  edges: Array.from({ length: CHAIN - 1 }, (_, i) => ({ from: `n${i}`, to: `n${i + 1}` })),
};
const fanOut: WorkflowDefinition = {
  id: "fan",
  version: 1,
  nodes: [
    { id: "start", type: "transform", config: { operation: "extract", path: "" } },
    ...Array.from({ length: WIDTH }, (_, i) => ({ id: `b${i}`, type: "transform", config: { operation: "extract", path: "" } })),
  ],
  edges: Array.from({ length: WIDTH }, (_, i) => ({ from: "start", to: `b${i}` })),
};
const engine = createWorkflowEngine({ concurrency: WIDTH });

describe(`${CHAIN}-node transform chain`, () => {
  bench("@atom/workflow-engine run", async () => {
    await engine.run(chain, { v: 1 });
  });
  bench("hand-written async chain (limit)", async () => {
    let value: unknown = { v: 1 };
    for (let i = 0; i < CHAIN; i++) value = await identity(value);
  });
  bench("hand-written chain recording each node's result, as a run does", async () => {
    const results: Record<string, NodeRecord> = {};
    let value: unknown = { v: 1 };
    for (let i = 0; i < CHAIN; i++) {
      const startedAt = isoNow();
      value = await identity(value);
      results[`n${i}`] = { status: "success", output: value, attempts: 1, startedAt, finishedAt: isoNow() };
    }
  });
});

describe(`${WIDTH}-wide fan-out`, () => {
  bench("@atom/workflow-engine run", async () => {
    await engine.run(fanOut, { v: 1 });
  });
  bench("hand-written Promise.all (limit)", async () => {
    const start = await identity({ v: 1 });
    await Promise.all(Array.from({ length: WIDTH }, () => identity(start)));
  });
});

let url = "";
const server = createServer((_, res) => {
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
});
const http = createHttpClient({ allowHosts: ["127.0.0.1"], connections: 16 });
const httpEngine = createWorkflowEngine({ http });
const agent = new Agent({ connections: 16 });
let httpFlow: WorkflowDefinition;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
  httpFlow = { id: "http", version: 1, nodes: [{ id: "get", type: "http_request", config: { url } }], edges: [] };
  // Open the pools' sockets and warm the JIT for every contender, so the first bench does not pay for it.
  for (let i = 0; i < 300; i++) {
    await httpEngine.run(httpFlow);
    await http.request({ method: "GET", url });
    await (await request(url, { dispatcher: agent })).body.json();
  }
});
afterAll(async () => {
  await http.close();
  await agent.close();
  server.close();
});

describe("GET a local JSON endpoint", () => {
  bench("@atom/workflow-engine http_request node (full run)", async () => {
    await httpEngine.run(httpFlow);
  });
  bench("@atom/workflow-engine/http client.request", async () => {
    await http.request({ method: "GET", url });
  });
  bench("bare undici request + body.json() (limit)", async () => {
    const res = await request(url, { dispatcher: agent });
    await res.body.json();
  });
});
