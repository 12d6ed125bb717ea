import type { Migration } from "@atom/sql";
import { tableNames, type PostgresTableOptions } from "./tables.js";

/**
 * The versioned migrations of the Postgres adapter, as SQL text, for teams that run migrations with their own tool.
 * `migrate(pool)` applies the same statements.
 *
 * @example
 * ```ts
 * for (const m of oauthStoreMigrations({ tablePrefix: "app_" })) console.log(`-- ${m.version} ${m.name}\n${m.sql}`);
 * ```
 */
export function oauthStoreMigrations(options: PostgresTableOptions = {}): Migration[] {
  const { states, tokens, indexPrefix: p } = tableNames(options, "[@atom/oauth-store] [postgres] oauthStoreMigrations");
  return [
    {
      version: 1,
      name: "create oauth_states and oauth_tokens",
      sql: `CREATE TABLE ${states} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state text NOT NULL,
  user_id text NOT NULL,
  provider text NOT NULL,
  scopes jsonb NOT NULL DEFAULT '[]',
  redirect_uri text,
  code_verifier text,
  metadata jsonb,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CONSTRAINT ${p}oauth_states_state_key UNIQUE (state)
);
CREATE INDEX ${p}oauth_states_expires_at_idx ON ${states} (expires_at);
CREATE TABLE ${tokens} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  provider text NOT NULL,
  access_token text NOT NULL,
  refresh_token text,
  token_type text NOT NULL,
  scopes jsonb NOT NULL DEFAULT '[]',
  expires_at timestamptz,
  raw text,
  status text NOT NULL CHECK (status IN ('active', 'revoked', 'refresh_failed')),
  last_error text,
  version integer NOT NULL,
  lock_owner text,
  locked_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT ${p}oauth_tokens_user_provider_key UNIQUE (user_id, provider)
);
CREATE INDEX ${p}oauth_tokens_expires_at_idx ON ${tokens} (expires_at)`,
    },
  ];
}
