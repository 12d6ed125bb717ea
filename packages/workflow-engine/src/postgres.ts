/**
 * `@atom/workflow-engine/postgres`: a durable `RunStore` on your `pg.Pool` or PGlite, so `engine.resume(runId)`
 * continues a run after a crash without re-running settled nodes.
 *
 * ```sh
 * npm install @atom/workflow-engine pg
 * ```
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { createWorkflowEngine } from "@atom/workflow-engine";
 * import { postgresRunStore } from "@atom/workflow-engine/postgres";
 *
 * const store = postgresRunStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * const engine = createWorkflowEngine({ store });
 * const result = await engine.resume("run-42");
 * ```
 * @packageDocumentation
 */
export { atomMigrations } from "./postgres/atom-migrations.js";
export { postgresRunStore, type PostgresRunStore, type PostgresRunStoreOptions } from "./postgres/run-store.js";
