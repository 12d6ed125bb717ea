import { DatabaseError, isAtomError, parseInput } from "@atom/errors";
import { createSqlExecutor, quoteIdentifier, runMigrations, type SqlDatabase } from "@atom/sql";
import { z } from "zod";
import { RunExistsError, RunOwnedError } from "../errors.js";
import type {
  AcquireRunOutcome,
  NodeErrorInfo,
  NodeResult,
  RunLease,
  RunStatus,
  RunStore,
  StaleRun,
  StoredRun,
  WorkflowDefinition,
} from "../types.js";
import { STORE_TABLES } from "../internals.js";
import { atomMigrations } from "./atom-migrations.js";

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
  owner: string | null;
  lease_expires_at: Date | string | null;
}

const iso = (value: Date | string): string => new Date(value).toISOString();

// The lease is compared with the server's clock (`now()`), so engines on hosts whose clocks disagree still agree on
// who holds a run.
const LEASE_LIVE = "owner IS NOT NULL AND lease_expires_at IS NOT NULL AND lease_expires_at > now()";

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
    migrated ??= runMigrations(sql, atomMigrations(opts.schema === undefined ? {} : { schema: opts.schema })).then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined;
        throw error;
      },
    );
    return migrated;
  };
  const ready = () => (opts.autoMigrate === false ? Promise.resolve() : migrate());

  const toRun = (row: RunRow, nodes: { node_id: string; result: NodeResult }[]): StoredRun => ({
    runId: row.run_id,
    workflow: row.workflow,
    input: row.input,
    status: row.status,
    nodes: Object.fromEntries(nodes.map((node) => [node.node_id, node.result])),
    ...(row.agent_id === null ? {} : { agentId: row.agent_id }),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.owner === null || row.lease_expires_at === null ? {} : { owner: row.owner, leaseExpiresAt: iso(row.lease_expires_at) }),
  });
  const nodesOf = async (runId: string) =>
    (await sql.query<{ node_id: string; result: NodeResult }>(`SELECT node_id, result FROM ${results} WHERE run_id = $1`, [runId])).rows;
  const columns = "run_id, workflow, input, agent_id, status, error, owner, lease_expires_at";

  const store = {
    migrate,
    async createRun(run: StoredRun, lease: RunLease) {
      await ready();
      const inserted = await sql.query(
        `INSERT INTO ${runs} (run_id, workflow_id, workflow, input, agent_id, status, owner, lease_expires_at)
         VALUES ($1, $2, $3::json, $4::json, $5, $6, $7, now() + $8::float8 * interval '1 millisecond')
         ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
        [
          run.runId,
          run.workflow.id,
          JSON.stringify(run.workflow),
          JSON.stringify(run.input ?? null),
          run.agentId ?? null,
          run.status,
          lease.owner,
          lease.ttlMs,
        ],
      );
      if (inserted.rows.length === 0) throw new RunExistsError({ runId: run.runId });
    },
    async getRun(runId: string) {
      await ready();
      const found = await sql.query<RunRow>(`SELECT ${columns} FROM ${runs} WHERE run_id = $1`, [runId]);
      const row = found.rows[0];
      return row ? toRun(row, await nodesOf(runId)) : undefined;
    },
    async acquireRun(runId: string, lease: RunLease): Promise<AcquireRunOutcome> {
      await ready();
      // One UPDATE is the compare-and-set: of engines racing, the row lock lets exactly one match the WHERE.
      const taken = await sql.query<RunRow>(
        `UPDATE ${runs} SET status = 'running', owner = $2, lease_expires_at = now() + $3::float8 * interval '1 millisecond', updated_at = now()
         WHERE run_id = $1 AND status NOT IN ('success', 'failed') AND NOT (${LEASE_LIVE})
         RETURNING ${columns}`,
        [runId, lease.owner, lease.ttlMs],
      );
      const row = taken.rows[0];
      // Node results are read after the lease is ours: a write by the previous owner either landed before (and is
      // read here) or is refused (it checks the owner under a row lock).
      if (row) return { outcome: "acquired", run: toRun(row, await nodesOf(runId)) };
      const found = await sql.query<RunRow>(`SELECT ${columns} FROM ${runs} WHERE run_id = $1`, [runId]);
      const current = found.rows[0];
      if (!current) return { outcome: "not_found" };
      if (current.status === "success" || current.status === "failed") return { outcome: "finished", status: current.status };
      return { outcome: "leased", leaseExpiresAt: current.lease_expires_at === null ? iso(new Date()) : iso(current.lease_expires_at) };
    },
    async renewLease(runId: string, lease: RunLease) {
      await ready();
      const renewed = await sql.query(
        `UPDATE ${runs} SET lease_expires_at = now() + $3::float8 * interval '1 millisecond' WHERE run_id = $1 AND owner = $2 RETURNING run_id`,
        [runId, lease.owner, lease.ttlMs],
      );
      return renewed.rows.length > 0;
    },
    async saveNodeResult(runId: string, nodeId: string, result: NodeResult, owner: string) {
      await ready();
      // FOR SHARE: a takeover (an UPDATE of the run row) waits for this write, or this write sees the new owner.
      const written = await sql.query(
        `INSERT INTO ${results} (run_id, node_id, result)
         SELECT run_id, $2, $3::json FROM ${runs} WHERE run_id = $1 AND owner = $4 FOR SHARE
         ON CONFLICT (run_id, node_id) DO UPDATE SET result = EXCLUDED.result, settled_at = now()
         RETURNING node_id`,
        [runId, nodeId, JSON.stringify(result), owner],
      );
      if (written.rows.length === 0) throw new RunOwnedError({ runId, reason: "lease_lost" });
    },
    async setRunStatus(runId: string, owner: string, status: RunStatus, error?: NodeErrorInfo) {
      await ready();
      const updated = await sql.query(
        `UPDATE ${runs} SET status = $3, error = $4::json, owner = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE run_id = $1 AND owner = $2 RETURNING run_id`,
        [runId, owner, status, error === undefined ? null : JSON.stringify(error)],
      );
      if (updated.rows.length === 0) throw new RunOwnedError({ runId, reason: "lease_lost" });
    },
    async listStaleRuns({ limit }: { limit: number }): Promise<StaleRun[]> {
      await ready();
      const stale = await sql.query<{ run_id: string; workflow_id: string; lease_expires_at: Date | string | null }>(
        `SELECT run_id, workflow_id, lease_expires_at FROM ${runs}
         WHERE status = 'running' AND NOT (${LEASE_LIVE})
         ORDER BY lease_expires_at NULLS FIRST LIMIT $1`,
        [limit],
      );
      return stale.rows.map((row) => ({
        runId: row.run_id,
        workflowId: row.workflow_id,
        ...(row.lease_expires_at === null ? {} : { leaseExpiresAt: iso(row.lease_expires_at) }),
      }));
    },
  };
  // A driver error (connection refused, pool ended, bad SQL state) leaves the store as a typed DATABASE_ERROR with
  // the driver's error as `cause`, never as itself; the store's own errors (409s) pass through.
  const guard =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (error) {
        if (isAtomError(error)) throw error;
        throw new DatabaseError({ message: `[@atom/workflow-engine] [postgres] ${what} failed`, cause: error });
      }
    };
  const guarded: PostgresRunStore = {
    migrate: guard("migrate", store.migrate),
    createRun: guard("createRun", store.createRun),
    getRun: guard("getRun", store.getRun),
    acquireRun: guard("acquireRun", store.acquireRun),
    renewLease: guard("renewLease", store.renewLease),
    saveNodeResult: guard("saveNodeResult", store.saveNodeResult),
    setRunStatus: guard("setRunStatus", store.setRunStatus),
    listStaleRuns: guard("listStaleRuns", store.listStaleRuns),
  };
  Object.defineProperty(guarded, STORE_TABLES, { value: { db: opts.pool, runs, results, ready } });
  return guarded;
}
