import type { Migration } from "@atom/sql";

/**
 * The schema of the Postgres run store; `prefix` is `""` or a quoted schema followed by a dot.
 * @internal
 */
export function runStoreMigrations(prefix: string): Migration[] {
  return [
    {
      version: 1,
      name: "workflow_runs",
      sql: `
CREATE TABLE IF NOT EXISTS ${prefix}atom_workflow_runs (
  run_id text PRIMARY KEY,
  workflow_id text NOT NULL,
  workflow jsonb NOT NULL,
  input jsonb,
  agent_id text,
  status text NOT NULL,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${prefix}atom_workflow_node_results (
  run_id text NOT NULL REFERENCES ${prefix}atom_workflow_runs (run_id) ON DELETE CASCADE,
  node_id text NOT NULL,
  result jsonb NOT NULL,
  settled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, node_id)
);
CREATE INDEX IF NOT EXISTS atom_workflow_runs_status_idx ON ${prefix}atom_workflow_runs (status, updated_at);
`,
    },
    {
      version: 2,
      name: "workflow_run_leases",
      // Rows written before leases existed have no owner: a `running` one is stale and can be recovered at once.
      sql: `
ALTER TABLE ${prefix}atom_workflow_runs ADD COLUMN IF NOT EXISTS owner text;
ALTER TABLE ${prefix}atom_workflow_runs ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz;
CREATE INDEX IF NOT EXISTS atom_workflow_runs_stale_idx ON ${prefix}atom_workflow_runs (lease_expires_at) WHERE status = 'running';
`,
    },
    {
      version: 3,
      name: "workflow_json_key_order",
      // jsonb stores keys sorted (shorter first, then bytewise), so a resumed run saw its input and outputs with their
      // keys reordered; json keeps the text as written. Nothing queries inside these columns.
      sql: `
ALTER TABLE ${prefix}atom_workflow_runs ALTER COLUMN input TYPE json USING input::json;
ALTER TABLE ${prefix}atom_workflow_node_results ALTER COLUMN result TYPE json USING result::json;
`,
    },
    {
      version: 4,
      name: "workflow_nodes_version",
      // Bumped by the pg-boss adapter whenever it records nodes of a run, in the transaction that holds the run's row
      // lock: a worker that finds the version it read still there knows the run's nodes without reading them again.
      sql: `
ALTER TABLE ${prefix}atom_workflow_runs ADD COLUMN IF NOT EXISTS nodes_version integer NOT NULL DEFAULT 0;
`,
    },
    {
      version: 5,
      name: "workflow_json_definition_and_error",
      // jsonb refuses the escape \u0000, which JSON text (and so a definition, an error message or its details) may
      // hold: a run whose error carried one could not be written and stayed `running`. json stores the text as is.
      sql: `
ALTER TABLE ${prefix}atom_workflow_runs ALTER COLUMN workflow TYPE json USING workflow::json;
ALTER TABLE ${prefix}atom_workflow_runs ALTER COLUMN error TYPE json USING error::json;
`,
    },
    {
      version: 6,
      name: "workflow_queue_generation_and_hash",
      // For the pg-boss adapter: `queue_generation` is bumped by each `resumeRun` and is part of every job key of the
      // run, so a resumed run never queues a second job beside one still active; `workflow_hash` is the canonical
      // hash of the definition the run was started with, which a worker compares with its own before running a node.
      sql: `
ALTER TABLE ${prefix}atom_workflow_runs ADD COLUMN IF NOT EXISTS queue_generation integer NOT NULL DEFAULT 0;
ALTER TABLE ${prefix}atom_workflow_runs ADD COLUMN IF NOT EXISTS workflow_hash text;
`,
    },
  ];
}
