import { createWorkflowEngine, memoryRunStore, type WorkflowDefinition } from "@atom/workflow-engine";
import { bench, describe } from "vitest";

// Per-node overhead: every node is an identity `extract`, so the engine's scheduling, bookkeeping and store writes
// are what is measured; the hand-written limit awaits one async identity function per node. The http_request node
// is measured against bare undici by bench/http-interleaved.mjs, which interleaves the contenders.
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
// Keeping finished runs readable costs garbage collection: every node result outlives the young generation.
const retaining = createWorkflowEngine({ concurrency: WIDTH, store: memoryRunStore({ retainFinished: 100 }) });

describe(`${CHAIN}-node transform chain`, () => {
  bench("@atom/workflow-engine run", async () => {
    await engine.run(chain, { v: 1 });
  });
  bench("@atom/workflow-engine run, memoryRunStore({ retainFinished: 100 })", async () => {
    await retaining.run(chain, { v: 1 });
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
  bench("hand-written Promise.all recording each node's result, as a run does", async () => {
    const results: Record<string, NodeRecord> = {};
    const record = async (id: string, input: unknown) => {
      const startedAt = isoNow();
      const output = await identity(input);
      results[id] = { status: "success", output, attempts: 1, startedAt, finishedAt: isoNow() };
      return output;
    };
    const start = await record("start", { v: 1 });
    await Promise.all(Array.from({ length: WIDTH }, (_, i) => record(`b${i}`, start)));
  });
});
