/**
 * `@atom/oauth-store/postgres`: the Postgres adapter (node-postgres `pg.Pool`, a client in your transaction, or
 * PGlite) and its migrations.
 *
 * ```sh
 * npm install @atom/oauth-store pg
 * ```
 *
 * @example
 * ```ts
 * import { createOAuthStore } from "@atom/oauth-store";
 * import { migrate, postgresAdapter } from "@atom/oauth-store/postgres";
 *
 * await migrate(pool);
 * const store = createOAuthStore({ adapter: postgresAdapter({ pool }) });
 * ```
 * @packageDocumentation
 */
export { migrate, postgresAdapter, type PostgresAdapterOptions } from "./adapter.js";
export { atomMigrations } from "./atom-migrations.js";
export { oauthStoreMigrations } from "./migrations.js";
export type { PostgresTableOptions } from "./tables.js";
