// http_request node vs bare undici against a local server, measured in interleaved rounds.
// vitest bench runs one task after another, so on a shared machine a task's position (JIT state, garbage left by
// the previous task) moves close HTTP figures by 2× or more; rotating the contenders every round and taking
// medians removes that bias. Run by `pnpm bench` after the vitest benchmarks.
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import { createWorkflowEngine } from "@atom/workflow-engine";
import { createHttpClient } from "@atom/workflow-engine/http";
import { Agent, request } from "undici";
import { median, sampleInterleaved } from "./interleave.mjs";

const ROUNDS = 12;
const PER_ROUND = 1_000;
const WARMUP = 2_000;

const server = createServer((_, res) => {
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/ping`;
const http = createHttpClient({ allowHosts: ["127.0.0.1"], connections: 16 });
const engine = createWorkflowEngine({ http });
const agent = new Agent({ connections: 16 });
const flow = { id: "http", version: 1, nodes: [{ id: "get", type: "http_request", config: { url } }], edges: [] };

const contenders = {
  "@atom/workflow-engine http_request node (full run)": async () => {
    const result = await engine.run(flow);
    if (result.status !== "success") throw new Error(`run ${result.status}`);
  },
  "@atom/workflow-engine/http client.request": () => http.request({ method: "GET", url }),
  // What cancellation costs, the way a node can pass it: a fresh AbortSignal, or an object of the EventEmitter shape
  // undici accepts (ctx.abortEmitter is a lighter object of that shape).
  "client.request, fresh AbortSignal as signal": () =>
    http.request({ method: "GET", url, signal: new AbortController().signal }),
  "client.request, fresh AbortEmitter as signal": () =>
    http.request({ method: "GET", url, signal: Object.assign(new EventEmitter(), { aborted: false, reason: undefined }) }),
  "bare undici request + body.json() (limit)": async () => (await request(url, { dispatcher: agent })).body.json(),
};
const names = Object.keys(contenders);
const samples = await sampleInterleaved(contenders, { rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP });
await http.close();
await agent.close();
server.close();

const limit = median(samples[names[names.length - 1]]);
console.log(`\nGET a local JSON endpoint, ${ROUNDS} interleaved rounds of ${PER_ROUND} sequential requests (median µs/request)`);
for (const name of names) {
  const us = median(samples[name]);
  console.log(`  ${name.padEnd(52)} ${us.toFixed(1).padStart(7)} µs  ${(us / limit).toFixed(2)}× the limit`);
}
