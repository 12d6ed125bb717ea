import type { Migration } from "@atom/sql";

/**
 * The versioned migrations of the Postgres adapters, as SQL text, for teams that run migrations with their own
 * tool. `migrate(pool)` applies the same statements.
 *
 * | table | holds |
 * | --- | --- |
 * | `atom_governance_agents` | `id`, `status`, `confidence` (0..1 or null), `tenant_id`; a trigger notifies channel `atom_governance_agents` (payload: the id, `''` when too long) on every change |
 * | `atom_governance_proposals` | approval proposals (`status` pending/approved/rejected/used/expired, the request `fingerprint`, `expires_at`, who decided, when used) |
 * | `atom_governance_audit` | one row per audit event: decisions, failures (`error_code`), approvals (`decided_by`) |
 */
export const governanceMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "create governance agents, proposals and audit",
    sql: `CREATE TABLE atom_governance_agents (
  id text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('STUDENT', 'INTERN', 'SUPERVISED', 'AUTONOMOUS', 'PAUSED', 'STOPPED', 'DEPRECATED', 'DELETED')),
  confidence double precision CHECK (confidence BETWEEN 0 AND 1),
  tenant_id text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE atom_governance_proposals (
  id text PRIMARY KEY,
  agent_id text NOT NULL,
  action_name text NOT NULL,
  complexity smallint NOT NULL,
  agent_maturity text NOT NULL,
  required_maturity text NOT NULL,
  reason text NOT NULL,
  request_method text,
  request_path text,
  tenant_id text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  created_at timestamptz NOT NULL
);
CREATE INDEX atom_governance_proposals_agent_idx ON atom_governance_proposals (agent_id, created_at);
CREATE TABLE atom_governance_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type text NOT NULL,
  severity text NOT NULL,
  outcome text NOT NULL,
  agent_id text NOT NULL,
  action_name text NOT NULL,
  complexity smallint NOT NULL,
  agent_maturity text,
  required_maturity text NOT NULL,
  reason text NOT NULL,
  feature text NOT NULL,
  proposal_id text,
  tenant_id text,
  request_method text,
  request_path text,
  at timestamptz NOT NULL
);
CREATE INDEX atom_governance_audit_agent_idx ON atom_governance_audit (agent_id, at)`,
  },
  {
    version: 2,
    name: "record who decided proposals and when approvals were used",
    sql: `ALTER TABLE atom_governance_proposals
  ADD COLUMN decided_by text,
  ADD COLUMN decided_at timestamptz,
  ADD COLUMN note text,
  ADD COLUMN used_at timestamptz,
  DROP CONSTRAINT atom_governance_proposals_status_check,
  ADD CONSTRAINT atom_governance_proposals_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'used')),
  ADD CONSTRAINT atom_governance_proposals_decided_check CHECK ((status = 'pending') = (decided_at IS NULL)),
  ADD CONSTRAINT atom_governance_proposals_used_check CHECK ((status = 'used') = (used_at IS NOT NULL))`,
  },
  {
    version: 3,
    name: "bind proposals to a request fingerprint, expire them, deduplicate pending ones; audit errors and decisions; notify agent changes",
    // Proposals recorded before this version were bound to no request: pending ones expire now, approved ones can
    // never match a fingerprint (NULL), so nothing recorded under the old rules can be used under the new ones.
    sql: `ALTER TABLE atom_governance_proposals
  ADD COLUMN fingerprint text,
  ADD COLUMN expires_at timestamptz,
  DROP CONSTRAINT atom_governance_proposals_status_check,
  DROP CONSTRAINT atom_governance_proposals_decided_check;
UPDATE atom_governance_proposals SET expires_at = created_at;
UPDATE atom_governance_proposals SET status = 'expired' WHERE status = 'pending';
ALTER TABLE atom_governance_proposals
  ALTER COLUMN expires_at SET NOT NULL,
  ADD CONSTRAINT atom_governance_proposals_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'used', 'expired')),
  ADD CONSTRAINT atom_governance_proposals_decided_check CHECK ((status IN ('pending', 'expired')) = (decided_at IS NULL));
CREATE UNIQUE INDEX atom_governance_proposals_pending_idx ON atom_governance_proposals (agent_id, action_name, complexity, fingerprint)
  WHERE status = 'pending';
ALTER TABLE atom_governance_audit
  ALTER COLUMN agent_id DROP NOT NULL,
  ALTER COLUMN feature DROP NOT NULL,
  ADD COLUMN error_code text,
  ADD COLUMN decided_by text;
CREATE FUNCTION atom_governance_agents_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.id IS DISTINCT FROM NEW.id) THEN PERFORM pg_notify('atom_governance_agents', CASE WHEN octet_length(OLD.id) <= 7000 THEN OLD.id ELSE '' END); END IF; IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('atom_governance_agents', CASE WHEN octet_length(NEW.id) <= 7000 THEN NEW.id ELSE '' END); END IF; RETURN NULL; END $$;
CREATE TRIGGER atom_governance_agents_notify AFTER INSERT OR UPDATE OR DELETE ON atom_governance_agents
  FOR EACH ROW EXECUTE FUNCTION atom_governance_agents_notify()`,
  },
];
