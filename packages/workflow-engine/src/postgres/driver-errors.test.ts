import { createTestDatabase } from "@atom/test-db";
import { expect, it } from "vitest";
import { createWorkflowEngine } from "../index.js";
import { postgresRunStore } from "../postgres.js";

it("a driver error leaves the store as DATABASE_ERROR naming the operation, with the driver's error as cause", async () => {
  // A real connection that is closed: a pool after end() (PostgreSQL) or a closed PGlite instance.
  const closed = await createTestDatabase();
  await closed.close();
  const engine = createWorkflowEngine({ store: postgresRunStore({ pool: closed.client, autoMigrate: false }) });
  const def = { id: "w", version: 1, nodes: [{ id: "t", type: "transform", config: { operation: "extract", path: "" } }], edges: [] };
  const failure = await engine.run(def, {}).catch((error: unknown) => error);
  expect(failure).toMatchObject({ code: "DATABASE_ERROR", status: 500, message: "[@atom/workflow-engine] [postgres] createRun failed" });
  expect((failure as Error).cause).toBeInstanceOf(Error);
  await expect(engine.resume("r")).rejects.toMatchObject({ code: "DATABASE_ERROR", message: "[@atom/workflow-engine] [postgres] acquireRun failed" });
}, 60_000);
