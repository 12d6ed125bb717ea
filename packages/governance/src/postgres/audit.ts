import type { GovernanceAuditSink } from "../types.js";
import { executor, guarded, type PostgresGovernanceOptions } from "./shared.js";

/**
 * An audit sink writing one `atom_governance_audit` row per audit event. Pass it as `createGovernance({ audit })`.
 * @example createGovernance({ registry, audit: postgresAuditSink({ pool }) });
 */
export function postgresAuditSink(options: PostgresGovernanceOptions): GovernanceAuditSink {
  const sql = executor(options, "postgresAuditSink");
  return async (event) => {
    await guarded("audit", () =>
      sql.query(
        `INSERT INTO atom_governance_audit
           (type, severity, outcome, agent_id, action_name, complexity, agent_maturity, required_maturity, reason,
            feature, proposal_id, tenant_id, request_method, request_path, at, error_code, decided_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::timestamptz, $16, $17)`,
        [
          event.type,
          event.severity,
          event.outcome,
          event.agentId,
          event.actionName,
          event.complexity,
          event.agentMaturity,
          event.requiredMaturity,
          event.reason,
          event.feature ?? null,
          event.proposalId ?? null,
          event.tenantId ?? null,
          event.request?.method ?? null,
          event.request?.path ?? null,
          event.at.toISOString(),
          event.errorCode ?? null,
          event.decidedBy ?? null,
        ],
      ),
    );
  };
}
