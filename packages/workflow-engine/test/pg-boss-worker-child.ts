// A worker process for the multi-worker tests (src/pg-boss/multi-process.test.ts) and the bench: it runs node jobs
// until SIGTERM (graceful stop) or SIGKILL. Env: DATABASE_URL, RUN_SCHEMA, BOSS_SCHEMA, HTTP_BASE, CONCURRENCY.
import pg from "pg";
import { createWorkflowEngine } from "../src/index.js";
import { createHttpClient } from "../src/http.js";
import { postgresRunStore } from "../src/postgres.js";
import { createWorker } from "../src/pg-boss.js";
import { startBoss } from "./pg-boss-setup.js";
import { mixedWorkflows } from "./pg-boss-workflows.js";

const env = (name: string) => process.env[name] ?? "";
const pool = new pg.Pool({ connectionString: env("DATABASE_URL"), max: 4, options: `-c search_path=${env("RUN_SCHEMA")}` });
const boss = await startBoss(env("BOSS_SCHEMA"), { max: 4 });
const engine = createWorkflowEngine({ store: postgresRunStore({ pool }), http: createHttpClient({ allowHosts: ["127.0.0.1"] }) });
const extra = process.env.EXTRA_DEFINITIONS ? (JSON.parse(env("EXTRA_DEFINITIONS")) as unknown[]) : [];
engine.on("node:finish", ({ runId, nodeId }) => process.stdout.write(`${JSON.stringify({ runId, nodeId, pid: process.pid })}\n`));
const worker = createWorker({
  boss,
  engine,
  definitions: [...mixedWorkflows(env("HTTP_BASE")), ...extra],
  concurrency: Number(env("CONCURRENCY") || "4"),
  pollIntervalMs: 100,
  cancelPollMs: 200,
});
process.stdout.write(`${JSON.stringify({ ready: process.pid })}\n`);
process.on("SIGTERM", () => {
  void (async () => {
    await worker.stop({ timeoutMs: 5000 });
    await boss.stop({ graceful: false, wait: true });
    await engine.close();
    await pool.end();
    process.exit(0);
  })();
});
