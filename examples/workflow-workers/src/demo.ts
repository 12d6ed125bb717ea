// `pnpm demo:workers`: starts a worker in another process, starts a run (it returns at once), and waits for the
// run in the store while the worker prints each node as it completes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRun } from "@atom/workflow-engine/pg-boss";
import { postgresRunStore } from "@atom/workflow-engine/postgres";
import { connect, orderWorkflow, QUEUE } from "./setup.js";

if (!process.env.DATABASE_URL) {
  console.log("demo:workers needs a real PostgreSQL (pg-boss does not run on PGlite): set DATABASE_URL");
  process.exit(0);
}
const worker = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./worker.ts", import.meta.url))], { stdio: ["ignore", "pipe", "inherit"] });
await new Promise<void>((resolve) => {
  worker.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (chunk.toString().includes("ready")) resolve();
  });
});

const { pool, boss, engine, close } = await connect();
const runId = await startRun(orderWorkflow, { orderId: "A-1001", total: 250 }, { boss, engine, queue: QUEUE });
console.log(`started run ${runId} (startRun returned at once; the worker process runs it)`);
const store = postgresRunStore({ pool });
const deadline = Date.now() + 30_000;
let run = await store.getRun(runId);
while (run?.status === "running" && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  run = await store.getRun(runId);
}
console.log(`run ${runId}: ${run?.status}; summary = ${JSON.stringify(run?.nodes.summary?.output)}`);
worker.kill("SIGTERM");
await new Promise((resolve) => worker.once("exit", resolve));
await close();
process.exit(run?.status === "success" ? 0 : 1);
