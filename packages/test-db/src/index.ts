/**
 * A fresh, isolated Postgres database for one test file.
 *
 * - `DATABASE_URL` set (CI): a new schema on that real server, reached through a `pg.Pool` whose `search_path` is
 *   the schema; `close()` drops the schema and ends the pool.
 * - `DATABASE_URL` unset (a laptop): an in-memory PGlite instance; nothing to start.
 *
 * @example
 * ```ts
 * const db = await createTestDatabase();
 * afterAll(() => db.close());
 * const store = postgresAdapter({ pool: db.client });
 * ```
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/** A database for one test file. */
export interface TestDatabase {
  /** `postgres` (a real server) or `pglite` (embedded). */
  kind: "postgres" | "pglite";
  /** A `pg.Pool` on the real server, or the PGlite instance. */
  client: pg.Pool | PGlite;
  /** The schema tests run in (`public` on PGlite). */
  schema: string;
  /** Opens another independent pool on the same schema (real server only), for multi-process scenarios. */
  newPool(options?: { max?: number }): pg.Pool | undefined;
  /** Drops what the helper created and closes every connection. */
  close(): Promise<void>;
}

/** Which database the tests in this process use. */
export function testDatabaseKind(): "postgres" | "pglite" {
  return process.env.DATABASE_URL ? "postgres" : "pglite";
}

/** Creates the database for one test file (see the module comment). */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = new PGlite();
    await db.waitReady;
    return { kind: "pglite", client: db, schema: "public", newPool: () => undefined, close: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pools: pg.Pool[] = [];
  const newPool = (poolOptions: { max?: number } = {}) => {
    const pool = new pg.Pool({
      connectionString: url,
      max: poolOptions.max ?? options.max ?? 10,
      options: `-c search_path=${schema}`,
    });
    pools.push(pool);
    return pool;
  };
  const client = newPool();
  return {
    kind: "postgres",
    client,
    schema,
    newPool,
    async close() {
      await Promise.all(pools.map((pool) => pool.end()));
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}
export { proxyTo, type DatabaseProxy } from "./proxy.js";
