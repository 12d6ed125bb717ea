import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/** Everything the example API needs, created once per process and shared by the routes of every host. */
export interface ExampleServices {
  /** Which database backs the services: a real PostgreSQL (`DATABASE_URL`) or embedded PGlite. */
  database: "postgres" | "pglite";
  /** The database handle passed to the Atom adapters. */
  db: pg.Pool | PGlite;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Options of {@link createServices}. */
export interface ServicesOptions {
  /** A PostgreSQL URL; when absent the services run on an in-memory PGlite. @default process.env.DATABASE_URL */
  databaseUrl?: string | undefined;
}

/** Creates the services on real PostgreSQL when a URL is given, on embedded PGlite otherwise. */
export async function createServices(options: ServicesOptions = {}): Promise<ExampleServices> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return { database: "postgres", db: pool, close: () => pool.end() };
  }
  const db = new PGlite();
  await db.waitReady;
  return { database: "pglite", db, close: () => db.close() };
}
