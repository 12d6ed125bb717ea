import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkflowEngine, type WorkflowDefinition } from "../index.js";
import { postgresRunStore } from "../postgres.js";

let db: TestDatabase;
// Starting PGlite takes seconds on a loaded machine.
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await db.close();
});

describe("NUL (\\u0000) in what the Postgres run store keeps", () => {
  it("records a run whose node error holds a NUL as failed and releases its lease", async () => {
    const store = postgresRunStore({ pool: db.client });
    const engine = createWorkflowEngine({ store });
    const definition: WorkflowDefinition = {
      id: "nul",
      version: 1,
      nodes: [{ id: "call", type: "http_request", config: { method: "POST", url: "https://example.invalid/", headers: "{{ $input.h }}" } }],
      edges: [],
    };
    const result = await engine.run(definition, { h: { "x\u0000": 1 } }, { runId: "run-nul-error" });
    expect(result).toMatchObject({ status: "failed", error: { code: "VALIDATION_ERROR" } });
    const stored = await store.getRun("run-nul-error");
    expect(stored).toMatchObject({ status: "failed", error: result.error });
    expect(stored?.owner).toBeUndefined();
    expect(stored?.nodes.call).toEqual(result.nodes.call);
  });

  it("stores and returns a definition and outputs holding a NUL", async () => {
    const store = postgresRunStore({ pool: db.client });
    const engine = createWorkflowEngine({ store });
    const definition: WorkflowDefinition = {
      id: "nul-def",
      version: 1,
      nodes: [{ id: "t", type: "transform", config: { operation: "format", template: "a\u0000b" } }],
      edges: [],
    };
    expect(engine.validate(definition).ok).toBe(true);
    const result = await engine.run(definition, {});
    expect(result).toMatchObject({ status: "success", outputs: { t: "a\u0000b" } });
    const stored = await store.getRun(result.runId);
    expect(stored?.workflow).toEqual(definition);
    expect(stored?.status).toBe("success");
  });

  it("refuses a NUL in ids kept in text columns with a typed error, before anything is written", async () => {
    const engine = createWorkflowEngine({ store: postgresRunStore({ pool: db.client }) });
    const definition = (id: string): WorkflowDefinition => ({
      id,
      version: 1,
      nodes: [{ id: "t", type: "transform", config: { operation: "extract", path: "" } }],
      edges: [],
    });
    expect(engine.validate(definition("w\u0000")).problems).toEqual([{ field: "id", message: "must not contain NUL (\\u0000)" }]);
    await expect(engine.run(definition("w"), {}, { runId: "r\u0000" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "runId" },
    });
    await expect(engine.run(definition("w"), {}, { agentId: "a\u0000" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "agentId" },
    });
    await expect(engine.resume("r\u0000")).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "runId" } });
    expect(() => createWorkflowEngine({ ownerId: "o\u0000" })).toThrowError(expect.objectContaining({ code: "VALIDATION_ERROR" }));
  });
});

describe("values JSON cannot hold in a run input", () => {
  it.each([
    ["memory", () => undefined],
    ["postgres", () => postgresRunStore({ pool: db.client })],
  ])("refuses a bigint in the run input with WORKFLOW_INVALID naming its path, before the %s store sees it", async (_, makeStore) => {
    const store = makeStore();
    const engine = createWorkflowEngine(store ? { store } : {});
    const definition: WorkflowDefinition = {
      id: "big",
      version: 1,
      nodes: [{ id: "t", type: "transform", config: { operation: "extract", path: "" } }],
      edges: [],
    };
    await expect(engine.run(definition, { order: { total: 10n } }, { runId: `big-${_}` })).rejects.toMatchObject({
      code: "WORKFLOW_INVALID",
      status: 400,
      details: { problems: [{ field: "input.order.total", message: "is a bigint, which JSON cannot represent" }] },
    });
    if (store) expect(await store.getRun(`big-${_}`)).toBeUndefined();
  });
});
