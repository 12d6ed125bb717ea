import { randomBytes } from "node:crypto";
import pg from "pg";
import PgBoss from "pg-boss";

/**
 * A pg-boss instance on its own schema of the real server at DATABASE_URL, for one test file or child process.
 * @internal
 */
export async function startBoss(schema: string, options: { max?: number } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: process.env.DATABASE_URL ?? "",
    schema,
    max: options.max ?? 4,
    maintenanceIntervalSeconds: 1,
    schedule: false,
  });
  boss.on("error", () => undefined);
  await boss.start();
  return boss;
}

/** A fresh schema name for pg-boss. @internal */
export function bossSchema(): string {
  return `boss_${randomBytes(5).toString("hex")}`;
}

/** Creates the node queue with a short job expiry (the node lease), so a killed worker's jobs come back fast. @internal */
export async function createNodeQueue(boss: PgBoss, queue: string, expireInSeconds = 3): Promise<void> {
  await boss.createQueue(queue, { name: queue, policy: "stately", retryLimit: 100, retryDelay: 1, expireInSeconds });
}

/** Drops a pg-boss schema. @internal */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
