// A worker process: runs node jobs until SIGTERM, printing each node as it completes (the events come from the
// worker that ran the node).
import { createWorker } from "@atom/workflow-engine/pg-boss";
import { connect, orderWorkflow, QUEUE } from "./setup.js";

const { boss, engine, close } = await connect();
engine.on("node:finish", ({ runId, nodeId, result }) => {
  const output = result.status === "success" ? ` → ${JSON.stringify(result.output)}` : "";
  console.log(`  [worker ${process.pid}] ${runId.slice(0, 8)} ${nodeId}: ${result.status}${output}`);
});
const worker = createWorker({ boss, engine, definitions: [orderWorkflow], queue: QUEUE, concurrency: 4, pollIntervalMs: 200 });
console.log(`  [worker ${process.pid}] ready`);
process.on("SIGTERM", () => {
  void worker.stop().then(close).then(() => process.exit(0));
});
