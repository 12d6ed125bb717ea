import { parseInput } from "@atom/errors";
import { createSqlExecutor, runMigrations, type MigrationResult, type SqlDatabase } from "@atom/sql";
import { z } from "zod";
import { parseArgument } from "../arguments.js";
import type { ConnectionRecord, OAuthStoreAdapter, StateRecord, TokenRecord, TokenStatus } from "../types.js";
import { atomMigrations } from "./atom-migrations.js";
import { tableNames, tableOptionsSchema, type PostgresTableOptions } from "./tables.js";

/** Options of {@link postgresAdapter}. */
export interface PostgresAdapterOptions extends PostgresTableOptions {
  /**
   * Your `pg.Pool`, a PGlite instance, or a client inside your own transaction (the adapter then runs in that
   * transaction and never commits it).
   */
  pool: SqlDatabase;
}

/** What the adapter can run queries on; checked up front so a missing pool is not a TypeError at the first query. */
const poolSchema = z.custom<SqlDatabase>(
  (v) => typeof v === "object" && v !== null && typeof (v as { query?: unknown }).query === "function",
  "must be a pg.Pool, a PGlite instance or a client: an object with a query method",
);
const adapterOptionsSchema = tableOptionsSchema.extend({ pool: poolSchema });

const STATE_COLUMNS =
  "state, user_id, provider, scopes, redirect_uri, code_verifier, metadata, created_at, expires_at, used_at";
const TOKEN_COLUMNS =
  "user_id, provider, access_token, refresh_token, token_type, scopes, expires_at, raw, status, last_error, version, created_at, updated_at";

const CONNECTION_COLUMNS =
  "user_id, provider, token_type, scopes, expires_at, status, last_error, refresh_token IS NOT NULL AS has_refresh_token, created_at, updated_at";

interface ConnectionRow {
  user_id: string;
  provider: string;
  token_type: string;
  scopes: string[];
  expires_at: Date | null;
  status: TokenStatus;
  last_error: string | null;
  has_refresh_token: boolean;
  created_at: Date;
  updated_at: Date;
}

interface StateRow {
  state: string;
  user_id: string;
  provider: string;
  scopes: string[];
  redirect_uri: string | null;
  code_verifier: string | null;
  metadata: Record<string, unknown> | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

interface TokenRow {
  user_id: string;
  provider: string;
  access_token: string;
  refresh_token: string | null;
  token_type: string;
  scopes: string[];
  expires_at: Date | null;
  raw: string | null;
  status: TokenStatus;
  last_error: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toState(row: StateRow): StateRecord {
  return {
    stateHash: row.state,
    userId: row.user_id,
    provider: row.provider,
    scopes: row.scopes,
    redirectUri: row.redirect_uri,
    codeVerifier: row.code_verifier,
    metadata: row.metadata,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

function toTokens(row: TokenRow): TokenRecord {
  return {
    userId: row.user_id,
    provider: row.provider,
    accessToken: row.access_token,
    refreshToken: row.refresh_token,
    tokenType: row.token_type,
    scopes: row.scopes,
    expiresAt: row.expires_at,
    raw: row.raw,
    status: row.status,
    lastError: row.last_error,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toConnection(row: ConnectionRow): ConnectionRecord {
  return {
    userId: row.user_id,
    provider: row.provider,
    tokenType: row.token_type,
    scopes: row.scopes,
    expiresAt: row.expires_at,
    status: row.status,
    lastError: row.last_error,
    hasRefreshToken: row.has_refresh_token,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Creates the tables (versioned, idempotent, safe when several processes start together).
 *
 * @example
 * ```ts
 * await migrate(pool); // { applied: [1] } the first time, { applied: [] } after
 * ```
 * @throws {ValidationError} (as a rejection) when `pool` has no `query` method or an option is unknown or invalid
 */
export async function migrate(pool: SqlDatabase, options: PostgresTableOptions = {}): Promise<MigrationResult> {
  const db = parseArgument(poolSchema, pool, "pool", "[@atom/oauth-store] [postgres] migrate");
  return runMigrations(createSqlExecutor(db), atomMigrations(options));
}

/**
 * The Postgres adapter. Consume and lock are single statements (`UPDATE ... WHERE ... RETURNING`), so they are
 * atomic under concurrency from any number of processes. Run {@link migrate} first.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { createOAuthStore } from "@atom/oauth-store";
 * import { migrate, postgresAdapter } from "@atom/oauth-store/postgres";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 * const store = createOAuthStore({ adapter: postgresAdapter({ pool }) });
 * ```
 * @throws {ValidationError} when `pool` is missing or has no `query` method, `schema` or `tablePrefix` is not a plain
 * identifier, or an option is unknown (`details.field` names it)
 */
export function postgresAdapter(options: PostgresAdapterOptions): OAuthStoreAdapter {
  const context = "[@atom/oauth-store] [postgres] postgresAdapter";
  const { pool, ...table } = parseInput(adapterOptionsSchema, options, context);
  const { states, tokens } = tableNames(table, context);
  const sql = createSqlExecutor(pool);
  const oneToken = async (text: string, params: unknown[]) => {
    const { rows } = await sql.query<TokenRow>(text, params);
    return rows[0] === undefined ? null : toTokens(rows[0]);
  };

  return {
    name: "postgres",
    async insertState(r) {
      await sql.query(
        `INSERT INTO ${states} (${STATE_COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9, $10)`,
        [r.stateHash, r.userId, r.provider, JSON.stringify(r.scopes), r.redirectUri, r.codeVerifier,
          r.metadata === null ? null : JSON.stringify(r.metadata), r.createdAt, r.expiresAt, r.usedAt],
      );
    },
    async consumeState(stateHash, now) {
      const { rows } = await sql.query<StateRow>(
        `UPDATE ${states} SET used_at = $2 WHERE state = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ${STATE_COLUMNS}`,
        [stateHash, now],
      );
      return rows[0] === undefined ? null : toState(rows[0]);
    },
    async findState(stateHash) {
      const { rows } = await sql.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM ${states} WHERE state = $1`, [stateHash]);
      return rows[0] === undefined ? null : toState(rows[0]);
    },
    async purgeStates(before, limit) {
      const { rowCount } = await sql.query(
        `DELETE FROM ${states} WHERE id IN (SELECT id FROM ${states} WHERE expires_at <= $1 LIMIT $2)`,
        [before, limit],
      );
      return rowCount;
    },
    async upsertTokens(w) {
      const row = await oneToken(
        `INSERT INTO ${tokens} AS t (${TOKEN_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, 'active', NULL, 1, $9, $9)
         ON CONFLICT (user_id, provider) DO UPDATE SET
           access_token = EXCLUDED.access_token,
           refresh_token = COALESCE(EXCLUDED.refresh_token, CASE WHEN t.status = 'active' THEN t.refresh_token END),
           token_type = EXCLUDED.token_type, scopes = EXCLUDED.scopes, expires_at = EXCLUDED.expires_at,
           raw = EXCLUDED.raw, status = 'active', last_error = NULL, version = t.version + 1,
           updated_at = EXCLUDED.updated_at, lock_owner = NULL, locked_until = NULL
         RETURNING ${TOKEN_COLUMNS}`,
        [w.userId, w.provider, w.accessToken, w.refreshToken, w.tokenType, JSON.stringify(w.scopes), w.expiresAt, w.raw, w.now],
      );
      return row as TokenRecord;
    },
    getTokens(userId, provider) {
      return oneToken(`SELECT ${TOKEN_COLUMNS} FROM ${tokens} WHERE user_id = $1 AND provider = $2`, [userId, provider]);
    },
    async listTokensByUser(userId) {
      const { rows } = await sql.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM ${tokens} WHERE user_id = $1 ORDER BY provider COLLATE "C"`,
        [userId],
      );
      return rows.map(toTokens);
    },
    async listTokens(after, limit) {
      const { rows } = await sql.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM ${tokens}
         WHERE $1::text IS NULL OR (user_id COLLATE "C", provider COLLATE "C") > ($1::text, $2::text)
         ORDER BY user_id COLLATE "C", provider COLLATE "C" LIMIT $3`,
        [after?.userId ?? null, after?.provider ?? null, limit],
      );
      return rows.map(toTokens);
    },
    saveRefreshedTokens(w, lease) {
      return oneToken(
        `UPDATE ${tokens} SET access_token = $5, refresh_token = COALESCE($6, refresh_token), token_type = $7,
           scopes = $8::jsonb, expires_at = $9, raw = $10, status = 'active', last_error = NULL, version = version + 1,
           updated_at = $11, lock_owner = NULL, locked_until = NULL
         WHERE user_id = $1 AND provider = $2 AND lock_owner = $3 AND version = $4
         RETURNING ${TOKEN_COLUMNS}`,
        [w.userId, w.provider, lease.owner, lease.version, w.accessToken, w.refreshToken, w.tokenType,
          JSON.stringify(w.scopes), w.expiresAt, w.raw, w.now],
      );
    },
    async markRefreshFailed(userId, provider, lease, lastError, now) {
      const { rowCount } = await sql.query(
        `UPDATE ${tokens} SET status = 'refresh_failed', last_error = $5, version = version + 1, updated_at = $6,
           lock_owner = NULL, locked_until = NULL
         WHERE user_id = $1 AND provider = $2 AND lock_owner = $3 AND version = $4`,
        [userId, provider, lease.owner, lease.version, lastError, now],
      );
      return rowCount > 0;
    },
    async deleteTokens(userId, provider) {
      const { rowCount } = await sql.query(
        `DELETE FROM ${tokens} WHERE user_id = $1 AND ($2::text IS NULL OR provider = $2)`,
        [userId, provider],
      );
      return rowCount;
    },
    async listConnections(userId) {
      const { rows } = await sql.query<ConnectionRow>(
        `SELECT ${CONNECTION_COLUMNS} FROM ${tokens} WHERE user_id = $1 ORDER BY provider COLLATE "C"`,
        [userId],
      );
      return rows.map(toConnection);
    },
    async setTokenStatus(userId, provider, status, lastError, now) {
      const { rowCount } = await sql.query(
        `UPDATE ${tokens} SET status = $3, last_error = $4, version = version + 1, updated_at = $5,
           lock_owner = NULL, locked_until = NULL
         WHERE user_id = $1 AND provider = $2`,
        [userId, provider, status, lastError, now],
      );
      return rowCount > 0;
    },
    async replaceSecrets(userId, provider, version, s, now) {
      const { rowCount } = await sql.query(
        `UPDATE ${tokens} SET access_token = $4, refresh_token = $5, raw = $6, updated_at = $7
         WHERE user_id = $1 AND provider = $2 AND version = $3`,
        [userId, provider, version, s.accessToken, s.refreshToken, s.raw, now],
      );
      return rowCount > 0;
    },
    acquireRefreshLock(userId, provider, owner, until, now) {
      return oneToken(
        `UPDATE ${tokens} SET lock_owner = $3, locked_until = $4
         WHERE user_id = $1 AND provider = $2 AND (locked_until IS NULL OR locked_until <= $5)
         RETURNING ${TOKEN_COLUMNS}`,
        [userId, provider, owner, until, now],
      );
    },
    async releaseRefreshLock(userId, provider, owner) {
      await sql.query(
        `UPDATE ${tokens} SET lock_owner = NULL, locked_until = NULL WHERE user_id = $1 AND provider = $2 AND lock_owner = $3`,
        [userId, provider, owner],
      );
    },
  };
}
