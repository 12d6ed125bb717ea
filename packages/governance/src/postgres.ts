/**
 * Postgres adapters for `@atom/governance`: an agent registry, an approval store and an audit sink over your own
 * `pg.Pool` (or PGlite, or a client inside your transaction), with versioned migrations.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { createGovernance } from "@atom/governance";
 * import { migrate, postgresAgentRegistry, postgresApprovalStore, postgresAuditSink } from "@atom/governance/postgres";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 * const governance = createGovernance({
 *   registry: postgresAgentRegistry({ pool }),
 *   approvals: postgresApprovalStore({ pool }),
 *   audit: postgresAuditSink({ pool }),
 * });
 * ```
 * @packageDocumentation
 */
export { postgresApprovalStore } from "./postgres/approvals.js";
export { postgresAuditSink } from "./postgres/audit.js";
export { migrate } from "./postgres/migrate.js";
export { postgresAgentRegistry, type PostgresAgentRegistry, type PostgresAgentRegistryOptions } from "./postgres/registry.js";
export type { PostgresGovernanceOptions } from "./postgres/shared.js";
export { atomMigrations } from "./postgres/atom-migrations.js";
export { governanceMigrations } from "./postgres/migrations.js";
