// One worker process of bench/workflow-pgboss.mjs: `raw` runs pg-boss no-op jobs in a tight fetch/complete loop
// (the queue's limit), `engine` runs workflow node jobs with createWorker. It works its queue from the parent's
// "start" on, counts its CPU time from "go" (acknowledged) and answers "report" with the CPU time it spent since.
// Its connections carry the parent's application_name.
import PgBoss from "pg-boss";
import pg from "pg";
import { createWorkflowEngine } from "@atom/workflow-engine";
import { postgresRunStore } from "@atom/workflow-engine/postgres";
import { createWorker } from "@atom/workflow-engine/pg-boss";

const { DATABASE_URL, RUN_SCHEMA, BOSS_SCHEMA, APP, MODE, QUEUE, CONCURRENCY, DEFINITIONS, BENCH_PGBOSS_PREPARED: PREPARED } = process.env;
const concurrency = Number(CONCURRENCY);
const boss = new PgBoss({ connectionString: DATABASE_URL, application_name: APP, schema: BOSS_SCHEMA, max: concurrency + 2, schedule: false, supervise: false });
boss.on("error", () => undefined);
await boss.start();

/** Works `queue` until the returned function is called, which resolves once the work stopped. */
let work;
/** Closes what `work` needs, once it stopped for good. */
let close = async () => undefined;
if (MODE === "raw") {
  work = (queue) => {
    let running = true;
    const loop = (async () => {
      while (running) {
        const jobs = (await boss.fetch(queue, { batchSize: concurrency })) ?? [];
        if (jobs.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        await boss.complete(queue, jobs.map((job) => job.id));
      }
    })();
    return () => {
      running = false;
      return loop;
    };
  };
} else {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, application_name: APP, max: concurrency + 2, options: `-c search_path=${RUN_SCHEMA}` });
  const store = postgresRunStore({ pool });
  // Set up before "ready", as the raw worker is: the clock then measures draining the queue, not migrating.
  await store.migrate();
  const engine = createWorkflowEngine({ store });
  const definitions = JSON.parse(DEFINITIONS);
  work = (queue) => {
    const options = { boss, engine, definitions, concurrency, queue, pollIntervalMs: 50 };
    // BENCH_PGBOSS_PREPARED=0|1 overrides the worker's default.
    if (PREPARED !== undefined) options.preparedStatements = PREPARED === "1";
    const worker = createWorker(options);
    return () => worker.stop();
  };
  close = () => pool.end();
}

let stop;
let started;
process.on("message", (message) => {
  if (message === "start") stop = work(QUEUE);
  else if (message === "go") {
    started = process.cpuUsage();
    process.send({ going: true });
  } else if (message === "report") {
    const { user, system } = process.cpuUsage(started);
    process.send({ cpuMs: (user + system) / 1000 });
  }
});
process.send({ ready: true });
process.on("disconnect", async () => {
  await stop?.();
  await close();
  await boss.stop({ graceful: false, wait: true });
  process.exit(0);
});
