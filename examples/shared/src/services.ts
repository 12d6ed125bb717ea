import { randomBytes } from "node:crypto";
import { createGovernanceFlags, type GovernanceFlags } from "@atom/flags";
import { createGovernance, type Governance } from "@atom/governance";
import {
  migrate as migrateGovernance,
  postgresAgentRegistry,
  postgresApprovalStore,
  postgresAuditSink,
  type PostgresAgentRegistry,
} from "@atom/governance/postgres";
import { createLedger, type Ledger } from "@atom/ledger";
import { migrate as migrateLedger, postgresLedger } from "@atom/ledger/postgres";
import { createOAuthStore, type OAuthStore } from "@atom/oauth-store";
import { migrate as migrateOAuth, postgresAdapter } from "@atom/oauth-store/postgres";
import { createWorkflowEngine, type WorkflowEngine } from "@atom/workflow-engine";
import { createHttpClient, type HttpClient } from "@atom/workflow-engine/http";
import { postgresRunStore } from "@atom/workflow-engine/postgres";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { OAuthProvider } from "./oauth.js";

/** Everything the example API needs, created once per process and shared by the routes of every host. */
export interface ExampleServices {
  /** Which database backs the services: a real PostgreSQL (`DATABASE_URL`) or embedded PGlite. */
  database: "postgres" | "pglite";
  /** The database handle passed to the Atom adapters. */
  db: pg.Pool | PGlite;
  /** OAuth state and token storage on that database, tokens encrypted at rest. */
  oauth: OAuthStore;
  /** The OAuth providers users can connect. */
  providers: Record<string, OAuthProvider>;
  /** Governance toggles and the emergency bypass, from the environment. */
  flags: GovernanceFlags;
  /** Agents, in the database. */
  agents: PostgresAgentRegistry;
  /** The maturity gate for agent actions, with proposals and audit events in the database. */
  governance: Governance;
  /** The double-entry ledger with invoices. */
  ledger: Ledger;
  /** The workflow engine, with runs recorded in the database. */
  workflows: WorkflowEngine;
  /** Where the example workflow finds the CRM. */
  crmUrl: string;
  /** Closes every connection (and drops the schema when one was created for isolation). */
  close(): Promise<void>;
}

/** Options of {@link createServices}. */
export interface ServicesOptions {
  /** A PostgreSQL URL; when absent the services run on an in-memory PGlite. @default process.env.DATABASE_URL */
  databaseUrl?: string | undefined;
  /** On PostgreSQL, run in a fresh schema of this process's own and drop it on close (tests). @default false */
  isolate?: boolean;
  /** OAuth providers. @default none */
  providers?: Record<string, OAuthProvider>;
  /** Base URL of the CRM the example workflow calls. @default process.env.CRM_URL or http://127.0.0.1:4010 */
  crmUrl?: string;
  /** The environment the flags read. @default process.env */
  env?: Record<string, string | undefined>;
  /** The 32-byte key (base64) that encrypts tokens at rest. @default process.env.OAUTH_ENCRYPTION_KEY or a random key */
  encryptionKey?: string;
}

async function openDatabase(url: string | undefined, isolate: boolean) {
  if (!url) {
    const db = new PGlite();
    await db.waitReady;
    return { database: "pglite" as const, db, close: () => db.close() };
  }
  if (!isolate) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return { database: "postgres" as const, db: pool, close: () => pool.end() };
  }
  const schema = `example_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
  return {
    database: "postgres" as const,
    db: pool,
    async close() {
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** Creates the services (and their tables) on real PostgreSQL when a URL is given, on embedded PGlite otherwise. */
export async function createServices(options: ServicesOptions = {}): Promise<ExampleServices> {
  const opened = await openDatabase(options.databaseUrl ?? process.env.DATABASE_URL, options.isolate ?? false);
  await migrateOAuth(opened.db);
  await migrateGovernance(opened.db);
  await migrateLedger(opened.db);
  const key = options.encryptionKey ?? process.env.OAUTH_ENCRYPTION_KEY ?? randomBytes(32).toString("base64");
  const oauth = createOAuthStore({
    adapter: postgresAdapter({ pool: opened.db }),
    encryption: { keys: { v1: key }, current: "v1" },
  });
  const flags = createGovernanceFlags({
    features: ["agents", "ledger", "workflows"],
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const agents = postgresAgentRegistry({ pool: opened.db });
  const governance = createGovernance({
    registry: agents,
    flags,
    approvals: postgresApprovalStore({ pool: opened.db }),
    audit: postgresAuditSink({ pool: opened.db }),
  });
  const ledger = createLedger({ storage: postgresLedger({ pool: opened.db }) });
  const crmUrl = options.crmUrl ?? process.env.CRM_URL ?? "http://127.0.0.1:4010";
  // The example's CRM runs on this machine, so its host is allow-listed; every other private address stays blocked.
  const http: HttpClient = createHttpClient({ allowHosts: [new URL(crmUrl).hostname] });
  const workflows = createWorkflowEngine({ http, store: postgresRunStore({ pool: opened.db }) });
  return {
    ...opened,
    oauth,
    providers: options.providers ?? {},
    flags,
    agents,
    governance,
    ledger,
    workflows,
    crmUrl,
    async close() {
      await http.close();
      await governance.close();
      await opened.close();
    },
  };
}
