/**
 * `@atom/workflow-engine/pg-boss`: runs workflows on many workers (processes, machines) through pg-boss, the job
 * queue on the Postgres you already have. Each ready node is one job; a run survives any process; a `delay` is a
 * scheduled job, so no process waits. Needs pg-boss 10 (the newest major that runs on Node 20) and a
 * `postgresRunStore` on the same database.
 *
 * ```sh
 * npm install @atom/workflow-engine pg pg-boss@10
 * ```
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import PgBoss from "pg-boss";
 * import { createWorkflowEngine } from "@atom/workflow-engine";
 * import { postgresRunStore } from "@atom/workflow-engine/postgres";
 * import { createWorker, startRun } from "@atom/workflow-engine/pg-boss";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const boss = new PgBoss(process.env.DATABASE_URL ?? "");
 * await boss.start();
 * const engine = createWorkflowEngine({ store: postgresRunStore({ pool }) });
 * const worker = createWorker({ boss, engine, definitions: [workflow], concurrency: 8 }); // in each worker process
 * const runId = await startRun(workflow, { orderId: 42 }, { boss, engine }); // anywhere
 * ```
 * @packageDocumentation
 */
export type { BossDb, BossInsertJob, BossJob, BossLike, BossQueueOptions, BossSqlResult } from "./pg-boss/boss.js";
export { DEFAULT_QUEUE, type QueueOptions } from "./pg-boss/context.js";
export { cancelRun, resumeRun, startRun, type CancelRunOptions, type ResumeRunOptions, type StartRunOptions } from "./pg-boss/start-run.js";
export { createWorker, type StopOptions, type WorkerOptions, type WorkflowWorker } from "./pg-boss/worker.js";
