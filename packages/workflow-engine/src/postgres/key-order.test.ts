import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createWorkflowEngine } from "../index.js";
import { postgresRunStore } from "../postgres.js";

let db: TestDatabase;
// Starting PGlite takes seconds on a loaded machine.
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await db.close();
});

it("keeps the key order of run inputs and node outputs (jsonb would sort keys by length, then bytes)", async () => {
  const store = postgresRunStore({ pool: db.client });
  const engine = createWorkflowEngine({ store });
  const input = { zeta: 1, b: 2, alpha_long_key: 3, a: 4 };
  const result = await engine.run(
    { id: "order", version: 1, nodes: [{ id: "t", type: "transform", config: { operation: "extract", path: "" } }], edges: [] },
    input,
  );
  const stored = await store.getRun(result.runId);
  expect(Object.keys(stored?.input as object)).toEqual(["zeta", "b", "alpha_long_key", "a"]);
  expect(Object.keys(stored?.nodes.t?.output as object)).toEqual(["zeta", "b", "alpha_long_key", "a"]);
  expect(Object.keys(stored?.nodes.t ?? {})).toEqual(Object.keys(result.nodes.t ?? {}));
});
