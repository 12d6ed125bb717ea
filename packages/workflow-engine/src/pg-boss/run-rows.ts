import type { SqlExecutor } from "@atom/sql";
import type { StoreTables } from "../internals.js";
import type { NodeErrorInfo, NodeResult, RunStatus, WorkflowDefinition } from "../types.js";
import { definitionHash } from "./definition-hash.js";
import { arrayLiteral, inlineParameter, replacePlaceholders } from "./sql-literals.js";
import type { CapturedComplete, CapturedInsert } from "./boss.js";
import { StatementMemo } from "./statement-memo.js";

/** A run as a worker reads it. @internal */
export interface QueuedRun {
  status: RunStatus;
  /** Its workflow's id and version (the worker has the definition). */
  workflow: Pick<WorkflowDefinition, "id" | "version">;
  input: unknown;
  agentId?: string;
  nodes: Record<string, NodeResult>;
  /** When the run was created (epoch ms). */
  createdAt: number;
  /** The run's `nodes_version` when `nodes` were read: while it is unchanged, so are they. */
  version: number;
  /** The run's queue generation (bumped by each `resumeRun`), part of every job key of the run. */
  generation: number;
  /** The {@link definitionHash} of the definition the run was started with. */
  hash: string;
}

/** A node of a run as {@link RunRows.nodeState} reads it. @internal */
export interface NodeState {
  status: RunStatus;
  generation: number;
  /** True when the node has a result. */
  settled: boolean;
}

/** One run's part in {@link RunRows.settleStatement}: what the worker planned from the nodes it knows. @internal */
export interface RunPlan {
  /** The run. */
  runId: string;
  /** The `nodes_version` the plan was made on; the plan applies only if the run still has it (`-1`: never). */
  expected: number;
  /** Nodes the plan skips (recorded only if it applies). */
  skipped: { nodeId: string; result: NodeResult }[];
  /** The final status the plan sets, with the failed node's error. */
  final?: { status: "success" | "failed"; error?: NodeErrorInfo | undefined };
}

/** pg-boss's statements to run in {@link RunRows.settleStatement}, each only if the batch is recorded. @internal */
export interface FoldedStatements {
  /** The insert of the successors' jobs. */
  insert?: CapturedInsert | undefined;
  /** The complete of the batch's jobs. */
  complete?: CapturedComplete | undefined;
}

/** {@link RunRows.settleStatement}'s statement; `completes` when it completes the batch's jobs. @internal */
export interface SettleStatement {
  text: string;
  values: unknown[];
  completes?: true;
}

/** A node's result, as {@link RunRows.settleStatement} records it. @internal */
export interface NodeRecord {
  runId: string;
  nodeId: string;
  result: NodeResult;
}

/** What {@link RunRows.settleStatement} did to one run. @internal */
export interface SettledRun {
  /** The run's status under the lock (before the plan's final status). */
  status: RunStatus;
  /** True when the plan applied: the run was running and its nodes were those the plan was made on. */
  applied: boolean;
  /** Node ids recorded by this statement (a result already there is not). */
  inserted: Set<string>;
  /** The run's queue generation under the lock. */
  generation: number;
}

/**
 * The owner recorded on a run executed by the queue: its lease never expires (it runs to 9999-12-31), so an in-process engine's
 * `resume` gets `WORKFLOW_RUN_OWNED` and `listStaleRuns` never lists it. The queue's jobs hold the per-node leases.
 * @internal
 */
export function queueOwner(queue: string): string {
  return `pg-boss:${queue}`;
}

// Of the workflow, the id and version that name the worker's definition.
const WORKFLOW_REF = "jsonb_build_object('id', r.workflow->'id', 'version', r.workflow->'version')";

// Of a folded settle statement: every run still running took its plan, so the batch is recorded.
const RECORDED = "NOT EXISTS (SELECT 1 FROM checked WHERE status = 'running' AND NOT applied)";

// pg-boss's complete: an UPDATE in a WITH that counts the rows it returns.
const COMPLETE_SHAPE = /^\s*WITH\s+(\w+)\s+AS\s+\(\s*(UPDATE\s[\s\S]*\S)\s*\)\s*SELECT\s+COUNT\(\*\)\s+FROM\s+\1\s*$/i;

const NODES = (results: string) => `COALESCE((SELECT json_object_agg(node_id, result) FROM ${results} n WHERE n.run_id = r.run_id), '{}'::json)`;

interface RunRow {
  run_id: string;
  status: RunStatus;
  workflow: WorkflowDefinition | Pick<WorkflowDefinition, "id" | "version">;
  input: unknown;
  agent_id: string | null;
  created_at: Date | string;
  nodes_version: number;
  queue_generation: number;
  workflow_hash: string | null;
  /** The full definition of a run recorded before `workflow_hash` existed, to hash it here. */
  legacy_workflow: WorkflowDefinition | null;
  nodes: Record<string, NodeResult>;
}

/** SQL over the run store's tables, on an executor (pool or transaction). @internal */
export class RunRows {
  /** pg-boss's insert statements as nested in {@link RunRows.settleStatement}, by statement: written once each. */
  private readonly nestedInserts = new StatementMemo<[string, number, number, string], string | undefined>();
  /** pg-boss's complete statements as nested in {@link RunRows.settleStatement}, by statement, queue, output and ids' parameter. */
  private readonly nestedCompletes = new StatementMemo<[string, unknown, unknown, number], string | undefined>();
  /** The settle statement's text by whether it is folded and by nested insert and complete. */
  private readonly settleTexts = new StatementMemo<[boolean, string | undefined, string | undefined]>();
  /** The fetch with its runs' read, by pg-boss's fetch statement, queue and (for a full batch) size. */
  private readonly fetchTexts = new StatementMemo<[string, unknown, number | undefined], { text: string; inlined: number }>();

  constructor(private readonly tables: StoreTables) {}

  /** Records a new run (generation 0) with its definition's hash: `false` when the run id is taken. */
  async insertRun(sql: SqlExecutor, run: { runId: string; workflow: WorkflowDefinition; hash: string; input: unknown; agentId?: string; owner: string }): Promise<boolean> {
    const { rows } = await sql.query(
      `INSERT INTO ${this.tables.runs} (run_id, workflow_id, workflow, workflow_hash, input, agent_id, status, owner, lease_expires_at)
       VALUES ($1, $2, $3::json, $4, $5::json, $6, 'running', $7, '9999-12-31T00:00:00Z') ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
      [run.runId, run.workflow.id, JSON.stringify(run.workflow), run.hash, JSON.stringify(run.input ?? null), run.agentId ?? null, run.owner],
    );
    return rows.length > 0;
  }

  /** The run with its settled nodes, in one round trip; `lock` takes the run's row lock first (own statement). */
  async read(sql: SqlExecutor, runId: string, lock = false): Promise<(QueuedRun & { workflow: WorkflowDefinition }) | undefined> {
    if (lock) {
      // Its own statement: a later statement's snapshot then includes every settle committed before the lock.
      const locked = await sql.query(`SELECT 1 FROM ${this.tables.runs} WHERE run_id = $1 FOR UPDATE`, [runId]);
      if (locked.rows.length === 0) return undefined;
    }
    return (await this.select(sql, [runId], "r.workflow")).get(runId) as (QueuedRun & { workflow: WorkflowDefinition }) | undefined;
  }

  /**
   * Several runs with their settled nodes, in one round trip (the runs of one fetched batch of jobs); of the
   * workflow only its id and version, which name the worker's definition.
   */
  readMany(sql: SqlExecutor, runIds: string[]): Promise<Map<string, QueuedRun>> {
    return this.select(sql, runIds, WORKFLOW_REF);
  }

  /**
   * pg-boss's fetch statement (`fetch`, with its `values`) with the read of its jobs' runs ({@link RunRows.readMany})
   * in the same round trip: its job rows as pg-boss returns them, the first also with `atom_runs`, the runs' rows as
   * JSON (read them with {@link RunRows.runs}). The read shares the fetch's snapshot, so it holds every write
   * committed with the fetched jobs. The queue's name (`$1`) is written into the text: prepared, the statement then
   * gets a plan for the queue's own partition of pg-boss's job table, which Postgres keeps, where with the name as a
   * parameter it planned the statement again on most fetches. So is the batch size (`$2`) when it is `fullBatch`: with
   * the LIMIT a parameter, the generic plan of a queue that holds jobs costs more than a custom one and Postgres plans
   * every fetch anew. Other sizes stay a parameter, so that a worker prepares two texts per queue at most.
   */
  fetchWithRunsStatement(fetch: string, values: unknown[], fullBatch?: number): { text: string; values: unknown[] } {
    const limit = values[1] === fullBatch ? fullBatch : undefined;
    const { text, inlined } = this.fetchTexts.get([fetch, values[0], limit], () => {
      const runs = this.selectRuns(WORKFLOW_REF, "ARRAY(SELECT DISTINCT f.data->>'runId' FROM fetched f)");
      let written = inlineParameter(fetch, 1, values);
      let count = written === undefined ? 0 : 1;
      if (written !== undefined && limit !== undefined) {
        const sized = inlineParameter(written, 1, values.slice(1));
        if (sized !== undefined) [written, count] = [sized, 2];
      }
      const fused = `WITH fetched AS (${written ?? fetch})
       SELECT f.*, CASE WHEN row_number() OVER () = 1 THEN (SELECT json_agg(runs) FROM (${runs}) runs) END AS atom_runs FROM fetched f`;
      return { text: fused, inlined: count };
    });
    return { text, values: values.slice(inlined) };
  }

  private async select(sql: SqlExecutor, runIds: string[], workflow: string): Promise<Map<string, QueuedRun>> {
    const { rows } = await sql.query<RunRow>(this.selectRuns(workflow, "$1::text[]"), [runIds]);
    return this.runs(rows);
  }

  /** The read of {@link RunRow}s whose run id is in `ids` (a `text[]` expression), `workflow` as the workflow column. */
  private selectRuns(workflow: string, ids: string): string {
    return `SELECT r.run_id, r.status, ${workflow} AS workflow, r.input, r.agent_id, r.created_at, r.nodes_version, r.queue_generation, r.workflow_hash,
       CASE WHEN r.workflow_hash IS NULL THEN r.workflow END AS legacy_workflow, ${NODES(this.tables.results)} AS nodes
       FROM ${this.tables.runs} r WHERE r.run_id = ANY(${ids})`;
  }

  /** The runs in the rows of a read (or in the `atom_runs` of {@link RunRows.fetchWithRunsStatement}), by run id. */
  runs(rows: unknown[]): Map<string, QueuedRun> {
    const runs = new Map<string, QueuedRun>();
    for (const row of rows as RunRow[]) {
      const run: QueuedRun = {
        status: row.status,
        workflow: row.workflow,
        input: row.input,
        nodes: row.nodes,
        createdAt: new Date(row.created_at).getTime(),
        version: row.nodes_version,
        generation: row.queue_generation,
        hash: row.workflow_hash ?? definitionHash(row.legacy_workflow),
      };
      if (row.agent_id !== null) run.agentId = row.agent_id;
      runs.set(row.run_id, run);
    }
    return runs;
  }

  /**
   * One statement for a batch of finished nodes: takes the row locks of their runs (in run id order, so concurrent
   * batches cannot deadlock), records each result once, and, for each run still `running` whose `nodes_version` is
   * the plan's (no other worker recorded a node of it since it was read; the lock returns the row as committed
   * last), also records the plan's skipped nodes and sets its final status. Every run that gained a node gets a new
   * `nodes_version`. Three parameters, all text (the results and the plans as JSON, each parsed once, and the run
   * ids as an array literal), so that with them inlined ({@link inlineParameters}) it can share a round trip with
   * `BEGIN`; read its rows with {@link RunRows.settled}. With `folded`, it writes nothing at all unless every run
   * still `running` takes its plan (so that, alone, it records a batch or leaves it untouched), and runs pg-boss's
   * statements in it: `insert`, the successors' jobs (of the runs still `running`), and `complete`, the batch's jobs,
   * each only if the batch is recorded. `undefined` when the insert cannot be nested (a placeholder of pg-boss's is
   * not a plain one); `completes` is absent when the complete cannot (complete the jobs yourself then).
   */
  settleStatement(results: NodeRecord[], plans: RunPlan[]): SettleStatement;
  settleStatement(results: NodeRecord[], plans: RunPlan[], folded: FoldedStatements): SettleStatement | undefined;
  settleStatement(results: NodeRecord[], plans: RunPlan[], folded?: FoldedStatements): SettleStatement | undefined {
    const rows = JSON.stringify([
      ...results.map((r) => ({ run_id: r.runId, node_id: r.nodeId, result: r.result, planned: false })),
      ...plans.flatMap((plan) => plan.skipped.map((skip) => ({ run_id: plan.runId, node_id: skip.nodeId, result: skip.result, planned: true }))),
    ]);
    const planned = JSON.stringify(
      plans.map((plan) => ({ run_id: plan.runId, expected: plan.expected, final: plan.final?.status ?? null, error: plan.final?.error ?? null })),
    );
    const untouched = folded ? ` AND ${RECORDED}` : "";
    const values: unknown[] = [rows, planned, arrayLiteral(plans.map((plan) => plan.runId))];
    let insert: string | undefined;
    if (folded?.insert) {
      // pg-boss's parameters follow ours; its jobs, kept to the runs still running, only if the batch is recorded.
      insert = this.nestedInsert(folded.insert, untouched);
      if (insert === undefined) return undefined;
      values.push(...folded.insert.values);
    }
    const complete = folded?.complete && this.nestedComplete(folded.complete, values.length + 1);
    if (complete !== undefined) values.push(arrayLiteral(folded?.complete?.values[1] as string[]));
    const text = this.settleTexts.get([folded !== undefined, insert, complete], () => this.settleText(untouched, insert, complete));
    return complete === undefined ? { text, values } : { text, values, completes: true };
  }

  /**
   * The text of {@link RunRows.settleStatement}: `untouched`, its condition for `folded`; `insert` and `complete`,
   * pg-boss's statements nested.
   */
  private settleText(untouched: string, insert: string | undefined, complete: string | undefined): string {
    const jobs = insert === undefined ? "" : `,\n       jobs AS (${insert})`;
    const done = complete === undefined ? "" : `,\n       done AS (${complete})`;
    return `WITH input AS (SELECT * FROM json_to_recordset($1::json) AS t (run_id text, node_id text, result json, planned boolean)),
       plan AS (SELECT * FROM json_to_recordset($2::json) AS p (run_id text, expected integer, final text, error json)),
       locked AS (SELECT run_id, status, nodes_version, queue_generation FROM ${this.tables.runs} WHERE run_id = ANY($3::text[]) ORDER BY run_id FOR UPDATE),
       checked AS (SELECT l.run_id, l.status, l.queue_generation, (l.status = 'running' AND l.nodes_version = p.expected) AS applied, p.final, p.error
                   FROM locked l JOIN plan p USING (run_id)),
       ins AS (INSERT INTO ${this.tables.results} (run_id, node_id, result)
               SELECT i.run_id, i.node_id, i.result FROM input i JOIN checked c USING (run_id) WHERE (NOT i.planned OR c.applied)${untouched}
               ON CONFLICT (run_id, node_id) DO NOTHING RETURNING run_id, node_id),
       upd AS (UPDATE ${this.tables.runs} r SET nodes_version = r.nodes_version + 1,
                 status = COALESCE(c.final, r.status),
                 error = CASE WHEN c.final IS NULL THEN r.error ELSE c.error END,
                 owner = CASE WHEN c.final IS NULL THEN r.owner END,
                 lease_expires_at = CASE WHEN c.final IS NULL THEN r.lease_expires_at END,
                 updated_at = CASE WHEN c.final IS NULL THEN r.updated_at ELSE now() END
               FROM (SELECT run_id, applied, CASE WHEN applied THEN final END AS final, error FROM checked) c
               WHERE r.run_id = ANY($3::text[]) AND r.run_id = c.run_id AND (c.applied OR c.run_id IN (SELECT run_id FROM ins))${untouched})${jobs}${done}
       SELECT c.run_id, c.status, c.applied, c.queue_generation, COALESCE((SELECT array_agg(ins.node_id) FROM ins WHERE ins.run_id = c.run_id), '{}') AS inserted
       FROM checked c`;
  }

  /**
   * pg-boss's insert with its parameters after the settle statement's three, its jobs kept to the runs still running
   * (and, with `untouched`, to a batch recorded whole); `undefined` when a placeholder is not a plain one. The
   * statement is the same batch after batch, so each is rewritten once (at most 8 are kept).
   */
  private nestedInsert(insert: CapturedInsert, untouched: string): string | undefined {
    const jobsAt = insert.values.indexOf(insert.jobs) + 1;
    return this.nestedInserts.get([insert.text, jobsAt, insert.values.length, untouched], () => this.nestInsert(insert, jobsAt, untouched));
  }

  /** pg-boss's insert rewritten for {@link RunRows.nestedInsert}, its jobs parameter (`jobsAt`) kept to the runs still running. */
  private nestInsert(insert: CapturedInsert, jobsAt: number, untouched: string): string | undefined {
    const kept = `(SELECT COALESCE(json_agg(j.job), '[]'::json) FROM json_array_elements($${jobsAt + 3}::json) AS j (job)
                     JOIN checked c ON c.run_id = j.job->'data'->>'runId' WHERE c.status = 'running'${untouched})`;
    return replacePlaceholders(insert.text, (n) => (n === jobsAt ? kept : n <= insert.values.length ? `$${n + 3}` : undefined));
  }

  /**
   * pg-boss's complete as nested in {@link RunRows.settleStatement}: its `UPDATE` (out of the `WITH` that counts its
   * rows: a data-modifying `WITH` must be the statement's own) with the queue's name and the output written in, and
   * the job ids as parameter `idsAt`, an array literal, taken only if the batch is recorded; `undefined` when it is
   * not of that shape. Written once per statement, queue and output.
   */
  private nestedComplete(complete: CapturedComplete, idsAt: number): string | undefined {
    const [queue, , output] = complete.values;
    return this.nestedCompletes.get([complete.text, queue, output, idsAt], () => {
      const update = COMPLETE_SHAPE.exec(complete.text)?.[2];
      if (update === undefined || complete.values.length !== 3) return undefined;
      const named = inlineParameter(update, 1, complete.values);
      const written = named === undefined ? undefined : inlineParameter(named, 2, complete.values.slice(1));
      const ids = `(CASE WHEN ${RECORDED} THEN $${idsAt}::uuid[] ELSE '{}'::uuid[] END)`;
      return written === undefined ? undefined : replacePlaceholders(written, (n) => (n === 1 ? ids : undefined));
    });
  }

  /** What {@link RunRows.settleStatement} did, by run id. Runs that are gone are absent. */
  settled(rows: unknown[]): Map<string, SettledRun> {
    return new Map(
      (rows as { run_id: string; status: RunStatus; applied: boolean; queue_generation: number; inserted: string[] }[]).map((row) => [
        row.run_id,
        { status: row.status, applied: row.applied, inserted: new Set(row.inserted), generation: row.queue_generation },
      ]),
    );
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

  /**
   * Sets a stopped run `running` again under the queue's ownership, in a new queue generation (its jobs get new
   * keys, so none collides with a job of an earlier generation still `active`); returns that generation.
   */
  async restart(sql: SqlExecutor, runId: string, owner: string): Promise<number> {
    const { rows } = await sql.query<{ queue_generation: number }>(
      `UPDATE ${this.tables.runs} SET status = 'running', error = NULL, owner = $2, nodes_version = nodes_version + 1, queue_generation = queue_generation + 1,
         lease_expires_at = '9999-12-31T00:00:00Z', updated_at = now() WHERE run_id = $1 RETURNING queue_generation`,
      [runId, owner],
    );
    return (rows[0] as { queue_generation: number }).queue_generation;
  }

  /** Final statuses release the queue's ownership; `cancelled` and `paused` keep it, so the queue resumes them. */
  async setStatus(sql: SqlExecutor, runId: string, status: RunStatus, error?: NodeErrorInfo): Promise<void> {
    const release = status === "success" || status === "failed";
    await sql.query(
      `UPDATE ${this.tables.runs} SET status = $2, error = $3::json, updated_at = now()${release ? ", owner = NULL, lease_expires_at = NULL" : ""} WHERE run_id = $1`,
      [runId, status, error === undefined ? null : JSON.stringify(error)],
    );
  }

  /** A run's status and generation, and whether `nodeId` has a result (a re-check before a node that waited runs). */
  async nodeState(sql: SqlExecutor, runId: string, nodeId: string): Promise<NodeState | undefined> {
    const { rows } = await sql.query<{ status: RunStatus; queue_generation: number; settled: boolean }>(
      `SELECT r.status, r.queue_generation, EXISTS (SELECT 1 FROM ${this.tables.results} n WHERE n.run_id = r.run_id AND n.node_id = $2) AS settled
       FROM ${this.tables.runs} r WHERE r.run_id = $1`,
      [runId, nodeId],
    );
    const row = rows[0];
    return row && { status: row.status, generation: row.queue_generation, settled: row.settled };
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
