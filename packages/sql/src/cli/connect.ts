import { createRequire } from "node:module";
import { join } from "node:path";
import { quoteIdentifier } from "../identifier.js";
import type { SqlDatabase } from "../types.js";
import { UsageError } from "./args.js";

/** An open database for the command line and how to close it. @internal */
export interface CliDatabase {
  db: SqlDatabase;
  close(): Promise<void>;
}

/** How long to wait for the server to accept the connection. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens `postgres://…` with the project's `pg` (one connection, bounded connect time, `search_path` set to the
 * schema), or `pglite:<directory>` with the project's `@electric-sql/pglite`. @internal
 */
export async function openDatabase(url: string, cwd: string, schema: string | undefined): Promise<CliDatabase> {
  const require = createRequire(join(cwd, "package.json"));
  const searchPath = schema === undefined ? undefined : quoteIdentifier(schema, "schema");
  if (url.startsWith("pglite:")) return openPGlite(require, url.slice("pglite:".length), searchPath);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError("the database URL is not a URL (expected postgres://user@host:port/database or pglite:<directory>)");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new UsageError(`unsupported database URL scheme "${parsed.protocol}" (expected postgres:, postgresql: or pglite:)`);
  }
  const pg = (await loadDriver(require, "pg", "npm install pg")) as {
    Pool: new (config: object) => SqlDatabase & { end(): Promise<void>; on(event: string, fn: (error: Error) => void): void };
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(searchPath === undefined ? {} : { options: `-c search_path=${searchPath}` }),
  });
  pool.on("error", () => {});
  return { db: pool, close: () => pool.end() };
}

async function openPGlite(require: NodeJS.Require, dataDir: string, searchPath: string | undefined): Promise<CliDatabase> {
  if (dataDir === "") throw new UsageError("pglite: needs a directory (pglite:./data)");
  const { PGlite } = (await loadDriver(require, "@electric-sql/pglite", "npm install @electric-sql/pglite")) as {
    PGlite: new (dataDir: string) => SqlDatabase & { waitReady: Promise<void>; close(): Promise<void>; query(sql: string): Promise<unknown> };
  };
  const db = new PGlite(dataDir);
  await db.waitReady;
  if (searchPath !== undefined) await db.query(`SET search_path TO ${searchPath}`);
  return { db, close: () => db.close() };
}

/** The project's copy of a driver, else the one installed beside `@atom/sql`. */
async function loadDriver(require: NodeJS.Require, name: string, install: string): Promise<unknown> {
  try {
    return require(name);
  } catch {
    try {
      const mod = (await import(name)) as { default?: unknown };
      return mod.default ?? mod;
    } catch {
      throw new UsageError(`this database URL needs the "${name}" package (${install})`);
    }
  }
}
