import { parseInput } from "@atom/errors";
import { agentRecordSchema } from "../schemas.js";
import type { AgentRecord, AgentRegistry } from "../types.js";
import { z } from "zod";
import { watchAgents } from "./listen.js";
import { executor, guarded, type PostgresGovernanceOptions, unstorableId } from "./shared.js";

/** The Postgres agent registry, with `upsert` for provisioning agents. */
export interface PostgresAgentRegistry extends Required<AgentRegistry> {
  /**
   * Adds or replaces an agent. Every gate watching the table drops its cached copy when the notification arrives.
   * @throws {ValidationError} naming the bad field
   */
  upsert(agent: AgentRecord): Promise<void>;
}

/** Options of {@link postgresAgentRegistry}. */
export interface PostgresAgentRegistryOptions extends PostgresGovernanceOptions {
  /**
   * The first delay before re-opening a dropped `LISTEN` connection, doubled on each failure up to 30 s.
   * @default 1_000
   */
  reconnectDelayMs?: number;
}

const registryOptionsSchema = z.object({ reconnectDelayMs: z.number().int().positive().max(30_000).optional() });
const statusSchema = agentRecordSchema.shape.status;

interface AgentRow {
  id: string;
  status: string;
  confidence: number | null;
  tenant_id: string | null;
}

/**
 * An agent registry over the `atom_governance_agents` table. `adjustConfidence` is one atomic `UPDATE`. A trigger
 * (migration 3) notifies channel `atom_governance_agents` on every change, made here or by any other SQL, and
 * `watch` listens on it: on a `pg.Pool` through one dedicated connection of the pool, re-opened with backoff when it
 * drops (the gate's cache falls back to its TTL meanwhile); on PGlite in-process.
 * @example
 * ```ts
 * await migrate(pool);
 * const registry = postgresAgentRegistry({ pool });
 * await registry.upsert({ id: "agent-7", status: "INTERN", confidence: 0.6 });
 * ```
 */
export function postgresAgentRegistry(options: PostgresAgentRegistryOptions): PostgresAgentRegistry {
  const sql = executor(options, "postgresAgentRegistry");
  const { reconnectDelayMs = 1_000 } = parseInput(
    registryOptionsSchema,
    { reconnectDelayMs: options.reconnectDelayMs },
    "[@atom/governance] [postgres] postgresAgentRegistry",
  );
  return {
    async setStatus(agentId, status) {
      const valid = parseInput(statusSchema, status, "[@atom/governance] [postgres] setStatus");
      if (unstorableId(agentId)) return false;
      const { rowCount } = await guarded("setStatus", () =>
        sql.query("UPDATE atom_governance_agents SET status = $2, updated_at = now() WHERE id = $1", [agentId, valid]),
      );
      return rowCount > 0;
    },
    watch: (listener) => watchAgents(options.pool, sql.kind, listener, reconnectDelayMs),
    async getAgent(agentId) {
      if (unstorableId(agentId)) return null;
      const { rows } = await guarded("getAgent", () =>
        sql.query<AgentRow>("SELECT id, status, confidence, tenant_id FROM atom_governance_agents WHERE id = $1", [
          agentId,
        ]),
      );
      const row = rows[0];
      return row ? { id: row.id, status: row.status as AgentRecord["status"], confidence: row.confidence, tenantId: row.tenant_id } : null;
    },
    async adjustConfidence(agentId, delta, baseline) {
      if (unstorableId(agentId)) return null;
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
