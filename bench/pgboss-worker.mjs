// One worker process of bench/workflow-pgboss.mjs: `raw` runs pg-boss no-op jobs in a tight fetch/complete loop
// (the queue's limit), `engine` runs workflow node jobs with createWorker. Starts on the parent's "go" message and
// answers "report" with the CPU time it spent since. Its connections carry the parent's application_name.
import PgBoss from "pg-boss";
import pg from "pg";
import { createWorkflowEngine } from "@atom/workflow-engine";
import { postgresRunStore } from "@atom/workflow-engine/postgres";
import { createWorker } from "@atom/workflow-engine/pg-boss";

const { DATABASE_URL, RUN_SCHEMA, BOSS_SCHEMA, APP, MODE, QUEUE, CONCURRENCY, DEFINITIONS } = process.env;
const concurrency = Number(CONCURRENCY);
const boss = new PgBoss({ connectionString: DATABASE_URL, application_name: APP, schema: BOSS_SCHEMA, max: concurrency + 2, schedule: false, supervise: false });
boss.on("error", () => undefined);
await boss.start();
let stop;
let started;
process.on("message", (message) => {
  if (message !== "report") return;
  const { user, system } = process.cpuUsage(started);
  process.send({ cpuMs: (user + system) / 1000 });
});
if (MODE === "raw") {
  let running = false;
  stop = async () => {
    running = false;
  };
  process.once("message", async () => {
    started = process.cpuUsage();
    running = true;
    while (running) {
      const jobs = (await boss.fetch(QUEUE, { batchSize: concurrency })) ?? [];
      if (jobs.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      await boss.complete(QUEUE, jobs.map((job) => job.id));
    }
  });
} else {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, application_name: APP, max: concurrency + 2, options: `-c search_path=${RUN_SCHEMA}` });
  const store = postgresRunStore({ pool });
  // Set up before "ready", as the raw worker is: the clock then measures draining the queue, not migrating.
  await store.migrate();
  const engine = createWorkflowEngine({ store });
  process.once("message", () => {
    started = process.cpuUsage();
    const worker = createWorker({ boss, engine, definitions: JSON.parse(DEFINITIONS), concurrency, queue: QUEUE, pollIntervalMs: 50 });
    stop = () => worker.stop().then(() => pool.end());
  });
}
process.send({ ready: true });
process.on("disconnect", async () => {
  await stop?.();
  await boss.stop({ graceful: false, wait: true });
  process.exit(0);
});
