import { randomUUID } from "node:crypto";
import { DatabaseError, parseInput } from "@atom/errors";
import { clockOptionSchema } from "../schemas.js";
import type { ApprovalStore, Proposal, ProposalInput } from "../types.js";
import { executor, guarded, type PostgresGovernanceOptions, unstorableId } from "./shared.js";

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
  fingerprint: string | null;
  expires_at: Date;
}

const PROPOSAL_COLUMNS =
  "id, agent_id, action_name, complexity, agent_maturity, required_maturity, reason, request_method, request_path, tenant_id, status, created_at, decided_by, decided_at, note, used_at, fingerprint, expires_at";

function proposalFromRow(row: ProposalRow, now: Date): Proposal {
  const expired = row.status === "pending" && row.expires_at <= now;
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
    fingerprint: row.fingerprint ?? "",
    expiresAt: row.expires_at,
    status: expired ? "expired" : row.status,
    createdAt: row.created_at,
    ...(row.decided_by !== null ? { decidedBy: row.decided_by } : {}),
    ...(row.decided_at !== null ? { decidedAt: row.decided_at } : {}),
    ...(row.note !== null ? { note: row.note } : {}),
    ...(row.used_at !== null ? { usedAt: row.used_at } : {}),
  };
}

/**
 * An approval store over the `atom_governance_proposals` table.
 * @param options.clock the time proposals are stamped with, and expire by @default () => new Date()
 */
export function postgresApprovalStore(options: PostgresGovernanceOptions & { clock?: () => Date }): Required<ApprovalStore> {
  const sql = executor(options, "postgresApprovalStore");
  const clock =
    parseInput(clockOptionSchema, { clock: options.clock }, "[@atom/governance] [postgres] postgresApprovalStore")
      .clock ?? (() => new Date());
  const getProposal = async (id: string, now: Date = clock()): Promise<Proposal | null> => {
    if (unstorableId(id)) return null;
    const { rows } = await guarded("getProposal", () =>
      sql.query<ProposalRow>(`SELECT ${PROPOSAL_COLUMNS} FROM atom_governance_proposals WHERE id = $1`, [id]),
    );
    return rows[0] ? proposalFromRow(rows[0], now) : null;
  };

  /** One attempt: expire a stale pending twin, insert unless a live one exists, else read the live one. */
  const createOnce = async (input: ProposalInput, now: Date): Promise<ProposalRow | undefined> => {
    const key = [input.agentId, input.actionName, input.complexity, input.fingerprint];
    await sql.query(
      `UPDATE atom_governance_proposals SET status = 'expired'
        WHERE agent_id = $1 AND action_name = $2 AND complexity = $3 AND fingerprint = $4 AND status = 'pending'
          AND expires_at <= $5::timestamptz`,
      [...key, now.toISOString()],
    );
    const inserted = await sql.query<ProposalRow>(
      `INSERT INTO atom_governance_proposals
         (id, agent_id, action_name, complexity, fingerprint, agent_maturity, required_maturity, reason, request_method,
          request_path, tenant_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::timestamptz, $13::timestamptz)
       ON CONFLICT (agent_id, action_name, complexity, fingerprint) WHERE status = 'pending' DO NOTHING
       RETURNING ${PROPOSAL_COLUMNS}`,
      [
        randomUUID(),
        ...key,
        input.agentMaturity,
        input.requiredMaturity,
        input.reason,
        input.request?.method ?? null,
        input.request?.path ?? null,
        input.tenantId ?? null,
        now.toISOString(),
        input.expiresAt.toISOString(),
      ],
    );
    if (inserted.rows[0]) return inserted.rows[0];
    const existing = await sql.query<ProposalRow>(
      `SELECT ${PROPOSAL_COLUMNS} FROM atom_governance_proposals
        WHERE agent_id = $1 AND action_name = $2 AND complexity = $3 AND fingerprint = $4 AND status = 'pending'`,
      key,
    );
    return existing.rows[0];
  };

  return {
    async createProposal(input: ProposalInput) {
      const now = clock();
      // The live twin can be decided between the conflict and the read: a new insert then succeeds on the next try.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const row = await guarded("createProposal", () => createOnce(input, now));
        if (row) return proposalFromRow(row, now);
      }
      throw new DatabaseError({ message: "[@atom/governance] [postgres] createProposal failed: contended" });
    },
    getProposal: (id) => getProposal(id),
    async decideProposal(id, decision) {
      if (unstorableId(id)) return null;
      // The conditional UPDATE decides a race; the loser reads the row afresh to report what it became.
      const { rows } = await guarded("decideProposal", () =>
        sql.query<ProposalRow>(
          `UPDATE atom_governance_proposals SET status = $2, decided_by = $3, note = $4, decided_at = $5::timestamptz
            WHERE id = $1 AND status = 'pending' AND expires_at > $5::timestamptz
        RETURNING ${PROPOSAL_COLUMNS}`,
          [id, decision.status, decision.decidedBy, decision.note ?? null, decision.at.toISOString()],
        ),
      );
      if (rows[0]) return { proposal: proposalFromRow(rows[0], decision.at), changed: true };
      const current = await getProposal(id, decision.at);
      return current ? { proposal: current, changed: false } : null;
    },
    async consumeApproval(id, use) {
      if (unstorableId(id) || unstorableId(use.agentId)) return null;
      const { rows } = await guarded("consumeApproval", () =>
        sql.query<ProposalRow>(
          `UPDATE atom_governance_proposals SET status = 'used', used_at = $5::timestamptz
            WHERE id = $1 AND status = 'approved' AND agent_id = $2 AND action_name = $3 AND decided_at > $4::timestamptz
              AND complexity = $6 AND fingerprint = $7
        RETURNING ${PROPOSAL_COLUMNS}`,
          [id, use.agentId, use.actionName, use.decidedAfter.toISOString(), use.at.toISOString(), use.complexity, use.fingerprint],
        ),
      );
      return rows[0] ? proposalFromRow(rows[0], use.at) : null;
    },
  };
}
