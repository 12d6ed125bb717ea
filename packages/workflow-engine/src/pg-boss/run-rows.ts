import type { SqlExecutor } from "@atom/sql";
import type { StoreTables } from "../internals.js";
import type { NodeErrorInfo, NodeResult, RunStatus, WorkflowDefinition } from "../types.js";

/** A run as a worker reads it. @internal */
export interface QueuedRun {
  status: RunStatus;
  workflow: WorkflowDefinition;
  input: unknown;
  agentId?: string;
  nodes: Record<string, NodeResult>;
  /** When the run was created (epoch ms). */
  createdAt: number;
}

/**
 * The owner recorded on a run executed by the queue: its lease never expires (it runs to 9999-12-31), so an in-process engine's
 * `resume` gets `WORKFLOW_RUN_OWNED` and `listStaleRuns` never lists it. The queue's jobs hold the per-node leases.
 * @internal
 */
export function queueOwner(queue: string): string {
  return `pg-boss:${queue}`;
}

const NODES = (results: string) => `COALESCE((SELECT json_object_agg(node_id, result) FROM ${results} n WHERE n.run_id = r.run_id), '{}'::json)`;

interface RunRow {
  run_id: string;
  status: RunStatus;
  workflow: WorkflowDefinition;
  input: unknown;
  agent_id: string | null;
  created_at: Date | string;
  nodes: Record<string, NodeResult>;
}

/** SQL over the run store's tables, on an executor (pool or transaction). @internal */
export class RunRows {
  constructor(private readonly tables: StoreTables) {}

  async insertRun(sql: SqlExecutor, run: { runId: string; workflow: WorkflowDefinition; input: unknown; agentId?: string; owner: string }): Promise<boolean> {
    const { rows } = await sql.query(
      `INSERT INTO ${this.tables.runs} (run_id, workflow_id, workflow, input, agent_id, status, owner, lease_expires_at)
       VALUES ($1, $2, $3::jsonb, $4::json, $5, 'running', $6, '9999-12-31T00:00:00Z') ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
      [run.runId, run.workflow.id, JSON.stringify(run.workflow), JSON.stringify(run.input ?? null), run.agentId ?? null, run.owner],
    );
    return rows.length > 0;
  }

  /** The run with its settled nodes, in one round trip; `lock` takes the run's row lock first (own statement). */
  async read(sql: SqlExecutor, runId: string, lock = false): Promise<QueuedRun | undefined> {
    if (lock) {
      // Its own statement: a later statement's snapshot then includes every settle committed before the lock.
      const locked = await sql.query(`SELECT 1 FROM ${this.tables.runs} WHERE run_id = $1 FOR UPDATE`, [runId]);
      if (locked.rows.length === 0) return undefined;
    }
    return (await this.readMany(sql, [runId])).get(runId);
  }

  /** Several runs with their settled nodes, in one round trip (the runs of one fetched batch of jobs). */
  async readMany(sql: SqlExecutor, runIds: string[]): Promise<Map<string, QueuedRun>> {
    const { rows } = await sql.query<RunRow>(
      `SELECT r.run_id, r.status, r.workflow, r.input, r.agent_id, r.created_at, ${NODES(this.tables.results)} AS nodes
       FROM ${this.tables.runs} r WHERE r.run_id = ANY($1::text[])`,
      [runIds],
    );
    const runs = new Map<string, QueuedRun>();
    for (const row of rows) {
      const run: QueuedRun = { status: row.status, workflow: row.workflow, input: row.input, nodes: row.nodes, createdAt: new Date(row.created_at).getTime() };
      if (row.agent_id !== null) run.agentId = row.agent_id;
      runs.set(row.run_id, run);
    }
    return runs;
  }

  /**
   * Takes the row locks of the runs (in run id order, so concurrent batches cannot deadlock) and records each node
   * once, in one statement. Per `runId:nodeId`: the run's status and whether the result was new (`false`: a
   * re-run after a lost job wrote nothing). Runs that are gone are absent.
   */
  async lockAndInsert(sql: SqlExecutor, items: { runId: string; nodeId: string; result: NodeResult }[]): Promise<Map<string, { status: RunStatus; inserted: boolean }>> {
    const { rows } = await sql.query<{ run_id: string; node_id: string; status: RunStatus; inserted: boolean }>(
      `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::json[]) AS t (run_id, node_id, result)),
       locked AS (SELECT run_id, status FROM ${this.tables.runs} WHERE run_id IN (SELECT run_id FROM input) ORDER BY run_id FOR UPDATE),
       ins AS (INSERT INTO ${this.tables.results} (run_id, node_id, result)
               SELECT i.run_id, i.node_id, i.result FROM input i JOIN locked USING (run_id)
               ON CONFLICT (run_id, node_id) DO NOTHING RETURNING run_id, node_id)
       SELECT i.run_id, i.node_id, l.status, ins.node_id IS NOT NULL AS inserted
       FROM input i JOIN locked l USING (run_id) LEFT JOIN ins USING (run_id, node_id)`,
      [items.map((item) => item.runId), items.map((item) => item.nodeId), items.map((item) => JSON.stringify(item.result))],
    );
    return new Map(rows.map((row) => [`${row.run_id}:${row.node_id}`, { status: row.status, inserted: row.inserted }]));
  }

  /** The settled nodes of runs whose row locks the transaction holds (read by a statement after the lock's). */
  async nodes(sql: SqlExecutor, runIds: string[]): Promise<Map<string, Record<string, NodeResult>>> {
    const { rows } = await sql.query<{ run_id: string; nodes: Record<string, NodeResult> }>(
      `SELECT run_id, json_object_agg(node_id, result) AS nodes FROM ${this.tables.results} WHERE run_id = ANY($1::text[]) GROUP BY run_id`,
      [runIds],
    );
    return new Map(rows.map((row) => [row.run_id, row.nodes]));
  }

  /** Marks runs `success` and releases the queue's ownership. */
  async succeed(sql: SqlExecutor, runIds: string[]): Promise<void> {
    await sql.query(
      `UPDATE ${this.tables.runs} SET status = 'success', error = NULL, owner = NULL, lease_expires_at = NULL, updated_at = now() WHERE run_id = ANY($1::text[])`,
      [runIds],
    );
  }

  /** Records a node once: `false` when a result was already there (a re-run after a lost job), nothing changes. */
  async insertResult(sql: SqlExecutor, runId: string, nodeId: string, result: NodeResult): Promise<boolean> {
    const { rows } = await sql.query(
      `INSERT INTO ${this.tables.results} (run_id, node_id, result) VALUES ($1, $2, $3::json) ON CONFLICT (run_id, node_id) DO NOTHING RETURNING node_id`,
      [runId, nodeId, JSON.stringify(result)],
    );
    return rows.length > 0;
  }

  /** Final statuses release the queue's ownership; `cancelled` and `paused` keep it, so the queue resumes them. */
  async setStatus(sql: SqlExecutor, runId: string, status: RunStatus, error?: NodeErrorInfo): Promise<void> {
    const release = status === "success" || status === "failed";
    await sql.query(
      `UPDATE ${this.tables.runs} SET status = $2, error = $3::jsonb, updated_at = now()${release ? ", owner = NULL, lease_expires_at = NULL" : ""} WHERE run_id = $1`,
      [runId, status, error === undefined ? null : JSON.stringify(error)],
    );
  }

  /** Of `runIds`, those no longer `running` (cancelled, paused, finished or deleted). */
  async stopped(sql: SqlExecutor, runIds: string[]): Promise<Set<string>> {
    const { rows } = await sql.query<{ run_id: string }>(
      `SELECT id AS run_id FROM unnest($1::text[]) id WHERE NOT EXISTS (SELECT 1 FROM ${this.tables.runs} r WHERE r.run_id = id AND r.status = 'running')`,
      [runIds],
    );
    return new Set(rows.map((row) => row.run_id));
  }
}
