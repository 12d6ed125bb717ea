import { parseInput } from "@atom/errors";
import { agentRecordSchema } from "../schemas.js";
import type { AgentRecord, AgentRegistry } from "../types.js";
import { executor, guarded, type PostgresGovernanceOptions } from "./shared.js";

/** The Postgres agent registry, with `upsert` for provisioning agents. */
export interface PostgresAgentRegistry extends AgentRegistry {
  /**
   * Adds or replaces an agent. Call `governance.invalidate(id)` afterwards so a cached lookup does not outlive it.
   * @throws {ValidationError} naming the bad field
   */
  upsert(agent: AgentRecord): Promise<void>;
}

interface AgentRow {
  id: string;
  status: string;
  confidence: number | null;
  tenant_id: string | null;
}

/**
 * An agent registry over the `atom_governance_agents` table. `adjustConfidence` is one atomic `UPDATE`.
 * @example
 * ```ts
 * await migrate(pool);
 * const registry = postgresAgentRegistry({ pool });
 * await registry.upsert({ id: "agent-7", status: "INTERN", confidence: 0.6 });
 * ```
 */
export function postgresAgentRegistry(options: PostgresGovernanceOptions): PostgresAgentRegistry {
  const sql = executor(options, "postgresAgentRegistry");
  return {
    async getAgent(agentId) {
      const { rows } = await guarded("getAgent", () =>
        sql.query<AgentRow>("SELECT id, status, confidence, tenant_id FROM atom_governance_agents WHERE id = $1", [
          agentId,
        ]),
      );
      const row = rows[0];
      return row ? { id: row.id, status: row.status as AgentRecord["status"], confidence: row.confidence, tenantId: row.tenant_id } : null;
    },
    async adjustConfidence(agentId, delta, baseline) {
      const { rows } = await guarded("adjustConfidence", () =>
        sql.query<{ confidence: number }>(
          `UPDATE atom_governance_agents
           SET confidence = LEAST(1, GREATEST(0, COALESCE(confidence, $3::float8) + $2::float8)), updated_at = now()
           WHERE id = $1 RETURNING confidence`,
          [agentId, delta, baseline],
        ),
      );
      return rows[0] ? Number(rows[0].confidence) : null;
    },
    async upsert(agent) {
      const valid = parseInput(agentRecordSchema, agent, "[@atom/governance] [postgres] upsert");
      await guarded("upsert", () =>
        sql.query(
          `INSERT INTO atom_governance_agents (id, status, confidence, tenant_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, confidence = EXCLUDED.confidence,
             tenant_id = EXCLUDED.tenant_id, updated_at = now()`,
          [valid.id, valid.status, valid.confidence ?? null, valid.tenantId ?? null],
        ),
      );
    },
  };
}
