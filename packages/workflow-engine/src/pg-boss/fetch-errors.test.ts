import type { AtomError } from "@atom/errors";
import { createTestDatabase, proxyTo, type TestDatabase } from "@atom/test-db";
import pg from "pg";
import PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bossSchema, createNodeQueue, dropSchema } from "../../test/pg-boss-setup.js";
import { createWorkflowEngine } from "../index.js";
import { createWorker } from "../pg-boss.js";
import { postgresRunStore } from "../postgres.js";

const url = process.env.DATABASE_URL;

describe.runIf(Boolean(url))("pg-boss worker: a failing fetch", () => {
  let db: TestDatabase;
  const schema = bossSchema();
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await dropSchema(schema);
    await db.close();
  });

  it("is reported to onError as a DATABASE_ERROR naming the fetch, not an idle queue", { timeout: 20_000 }, async () => {
    const proxy = await proxyTo(new URL(url as string));
    const boss = new PgBoss({ connectionString: proxy.url, schema, max: 2, schedule: false, supervise: false });
    boss.on("error", () => undefined);
    await boss.start();
    await createNodeQueue(boss, "nodes");
    // Runs and jobs share the database, and workers fetch through the run store's connection: both go through the proxy.
    const pool = new pg.Pool({ connectionString: proxy.url, options: `-c search_path=${db.schema}`, max: 4 });
    pool.on("error", () => undefined);
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool }) });
    const errors: AtomError[] = [];
    const definition = { id: "w", version: 1, nodes: [{ id: "a", type: "transform", config: { operation: "format", template: "x" } }], edges: [] };
    const worker = createWorker({ boss, engine, definitions: [definition], queue: "nodes", pollIntervalMs: 20, onError: (error) => errors.push(error) });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(errors).toEqual([]);
      proxy.down();
      const deadline = Date.now() + 5_000;
      while (!errors.some((error) => error.message.includes("fetch")) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const fetchError = errors.find((error) => error.message.includes("fetch"));
      expect(fetchError).toMatchObject({ code: "DATABASE_ERROR", message: "[@atom/workflow-engine] [pg-boss] fetch failed" });
      // Reported once per outage, not once per poll.
      const reports = errors.filter((error) => error.message.includes("fetch")).length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(errors.filter((error) => error.message.includes("fetch")).length).toBe(reports);
    } finally {
      await worker.stop({ timeoutMs: 1000 });
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      await engine.close();
      await pool.end().catch(() => undefined);
    }
  });
});
