import { randomUUID } from "node:crypto";
import { parseInput } from "@atom/errors";
import { clockOptionSchema } from "../schemas.js";
import type { ApprovalStore, Proposal, ProposalInput } from "../types.js";
import { executor, guarded, type PostgresGovernanceOptions } from "./shared.js";

interface ProposalRow {
  id: string;
  agent_id: string;
  action_name: string;
  complexity: number;
  agent_maturity: string;
  required_maturity: string;
  reason: string;
  request_method: string | null;
  request_path: string | null;
  tenant_id: string | null;
  status: Proposal["status"];
  created_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  note: string | null;
  used_at: Date | null;
}

const PROPOSAL_COLUMNS =
  "id, agent_id, action_name, complexity, agent_maturity, required_maturity, reason, request_method, request_path, tenant_id, status, created_at, decided_by, decided_at, note, used_at";

function proposalFromRow(row: ProposalRow): Proposal {
  return {
    id: row.id,
    agentId: row.agent_id,
    actionName: row.action_name,
    complexity: Number(row.complexity) as Proposal["complexity"],
    agentMaturity: row.agent_maturity as Proposal["agentMaturity"],
    requiredMaturity: row.required_maturity as Proposal["requiredMaturity"],
    reason: row.reason,
    ...(row.request_method !== null && row.request_path !== null
      ? { request: { method: row.request_method, path: row.request_path } }
      : {}),
    ...(row.tenant_id !== null ? { tenantId: row.tenant_id } : {}),
    status: row.status,
    createdAt: row.created_at,
    ...(row.decided_by !== null ? { decidedBy: row.decided_by } : {}),
    ...(row.decided_at !== null ? { decidedAt: row.decided_at } : {}),
    ...(row.note !== null ? { note: row.note } : {}),
    ...(row.used_at !== null ? { usedAt: row.used_at } : {}),
  };
}

/**
 * An approval store over the `atom_governance_proposals` table.
 * @param options.clock the time proposals are stamped with @default () => new Date()
 */
export function postgresApprovalStore(options: PostgresGovernanceOptions & { clock?: () => Date }): Required<ApprovalStore> {
  const sql = executor(options, "postgresApprovalStore");
  const clock =
    parseInput(clockOptionSchema, { clock: options.clock }, "[@atom/governance] [postgres] postgresApprovalStore")
      .clock ?? (() => new Date());
  const getProposal = async (id: string): Promise<Proposal | null> => {
    const { rows } = await guarded("getProposal", () =>
      sql.query<ProposalRow>(`SELECT ${PROPOSAL_COLUMNS} FROM atom_governance_proposals WHERE id = $1`, [id]),
    );
    return rows[0] ? proposalFromRow(rows[0]) : null;
  };

  return {
    async createProposal(input: ProposalInput) {
      const { rows } = await guarded("createProposal", () =>
        sql.query<ProposalRow>(
          `INSERT INTO atom_governance_proposals
             (id, agent_id, action_name, complexity, agent_maturity, required_maturity, reason, request_method,
              request_path, tenant_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz) RETURNING ${PROPOSAL_COLUMNS}`,
          [
            randomUUID(),
            input.agentId,
            input.actionName,
            input.complexity,
            input.agentMaturity,
            input.requiredMaturity,
            input.reason,
            input.request?.method ?? null,
            input.request?.path ?? null,
            input.tenantId ?? null,
            clock().toISOString(),
          ],
        ),
      );
      return proposalFromRow(rows[0] as ProposalRow);
    },
    getProposal,
    async decideProposal(id, decision) {
      // The conditional UPDATE decides a race; the loser reads the row afresh to report what it became.
      const { rows } = await guarded("decideProposal", () =>
        sql.query<ProposalRow>(
          `UPDATE atom_governance_proposals SET status = $2, decided_by = $3, note = $4, decided_at = $5::timestamptz
            WHERE id = $1 AND status = 'pending'
        RETURNING ${PROPOSAL_COLUMNS}`,
          [id, decision.status, decision.decidedBy, decision.note ?? null, decision.at.toISOString()],
        ),
      );
      if (rows[0]) return { proposal: proposalFromRow(rows[0]), changed: true };
      const current = await getProposal(id);
      return current ? { proposal: current, changed: false } : null;
    },
    async consumeApproval(id, use) {
      const { rows } = await guarded("consumeApproval", () =>
        sql.query<ProposalRow>(
          `UPDATE atom_governance_proposals SET status = 'used', used_at = $5::timestamptz
            WHERE id = $1 AND status = 'approved' AND agent_id = $2 AND action_name = $3 AND decided_at > $4::timestamptz
        RETURNING ${PROPOSAL_COLUMNS}`,
          [id, use.agentId, use.actionName, use.decidedAfter.toISOString(), use.at.toISOString()],
        ),
      );
      return rows[0] ? proposalFromRow(rows[0]) : null;
    },
  };
}
