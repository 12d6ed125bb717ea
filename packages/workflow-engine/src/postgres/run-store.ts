import { parseInput } from "@atom/errors";
import { createSqlExecutor, quoteIdentifier, runMigrations, type SqlDatabase } from "@atom/sql";
import { z } from "zod";
import type { NodeErrorInfo, NodeResult, RunStatus, RunStore, StoredRun, WorkflowDefinition } from "../types.js";
import { runStoreMigrations } from "./migrations.js";

/** Options of {@link postgresRunStore}. */
export interface PostgresRunStoreOptions {
  /** Your `pg.Pool`, a PGlite instance, or a client (anything `@atom/sql` accepts), as in the other Atom adapters. */
  pool: SqlDatabase;
  /** Schema holding the tables (created if missing). @default the connection's search_path */
  schema?: string;
  /** Run the migrations on first use. Turn off when you run `store.migrate()` at deploy time. @default true */
  autoMigrate?: boolean;
}

/** A Postgres {@link RunStore}. */
export interface PostgresRunStore extends RunStore {
  /** Creates or upgrades the tables (idempotent, serialized by an advisory lock). */
  migrate(): Promise<void>;
}

const optionsSchema = z.object({
  pool: z.custom<SqlDatabase>((value) => typeof (value as { query?: unknown } | null)?.query === "function", "must be a pg.Pool, PGlite or client"),
  schema: z.string().min(1).optional(),
  autoMigrate: z.boolean().optional(),
});

interface RunRow {
  run_id: string;
  workflow: WorkflowDefinition;
  input: unknown;
  agent_id: string | null;
  status: RunStatus;
  error: NodeErrorInfo | null;
}

/**
 * Stores runs in Postgres (tables `atom_workflow_runs` and `atom_workflow_node_results`), on your pool or PGlite.
 * Each settled node is one upsert, so a crashed process loses at most the nodes that were in flight.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { postgresRunStore } from "@atom/workflow-engine/postgres";
 * const store = postgresRunStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * const engine = createWorkflowEngine({ store });
 * ```
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options.
 */
export function postgresRunStore(options: PostgresRunStoreOptions): PostgresRunStore {
  const opts = parseInput(optionsSchema, options, "[@atom/workflow-engine] [postgres] postgresRunStore");
  const sql = createSqlExecutor(opts.pool);
  const prefix = opts.schema === undefined ? "" : `${quoteIdentifier(opts.schema, "schema")}.`;
  const runs = `${prefix}atom_workflow_runs`;
  const results = `${prefix}atom_workflow_node_results`;
  let migrated: Promise<void> | undefined;
  const migrate = () => {
    migrated ??= runMigrations(sql, {
      namespace: "workflow-engine",
      migrations: runStoreMigrations(prefix),
      ...(opts.schema === undefined ? {} : { schema: opts.schema }),
    }).then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined;
        throw error;
      },
    );
    return migrated;
  };
  const ready = () => (opts.autoMigrate === false ? Promise.resolve() : migrate());

  return {
    migrate,
    async createRun(run: StoredRun) {
      await ready();
      await sql.query(
        `INSERT INTO ${runs} (run_id, workflow_id, workflow, input, agent_id, status) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6)`,
        [run.runId, run.workflow.id, JSON.stringify(run.workflow), JSON.stringify(run.input ?? null), run.agentId ?? null, run.status],
      );
    },
    async getRun(runId: string) {
      await ready();
      const found = await sql.query<RunRow>(
        `SELECT run_id, workflow, input, agent_id, status, error FROM ${runs} WHERE run_id = $1`,
        [runId],
      );
      const row = found.rows[0];
      if (!row) return undefined;
      const nodes = await sql.query<{ node_id: string; result: NodeResult }>(
        `SELECT node_id, result FROM ${results} WHERE run_id = $1`,
        [runId],
      );
      return {
        runId: row.run_id,
        workflow: row.workflow,
        input: row.input,
        status: row.status,
        nodes: Object.fromEntries(nodes.rows.map((node) => [node.node_id, node.result])),
        ...(row.agent_id === null ? {} : { agentId: row.agent_id }),
        ...(row.error === null ? {} : { error: row.error }),
      };
    },
    async saveNodeResult(runId: string, nodeId: string, result: NodeResult) {
      await ready();
      await sql.query(
        `INSERT INTO ${results} (run_id, node_id, result) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (run_id, node_id) DO UPDATE SET result = EXCLUDED.result, settled_at = now()`,
        [runId, nodeId, JSON.stringify(result)],
      );
    },
    async setRunStatus(runId: string, status: RunStatus, error?: NodeErrorInfo) {
      await ready();
      await sql.query(`UPDATE ${runs} SET status = $2, error = $3::jsonb, updated_at = now() WHERE run_id = $1`, [
        runId,
        status,
        error === undefined ? null : JSON.stringify(error),
      ]);
    },
  };
}
