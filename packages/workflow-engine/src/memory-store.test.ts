import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createWorkflowEngine, defineNode, memoryRunStore, type RunStore, type WorkflowDefinition } from "./index.js";

const one: WorkflowDefinition = {
  id: "one",
  version: 1,
  nodes: [{ id: "a", type: "transform", config: { operation: "extract", path: "" } }],
  edges: [],
};

/** An engine on `store` whose first run hung in a node and was cancelled, so the store keeps it for `resume`. */
async function cancelledRun(store: RunStore) {
  const controller = new AbortController();
  const hang = defineNode({ type: "hang", config: z.object({}), execute: () => new Promise(() => undefined) });
  const engine = createWorkflowEngine({ store, nodes: [hang] });
  const pending = engine.run({ ...one, nodes: [{ id: "h", type: "hang", config: {} }] }, {}, { signal: controller.signal });
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  return { engine, cancelled: await pending };
}

describe("memoryRunStore", () => {
  it("drops a finished run by default: its result went to the caller", async () => {
    const store = memoryRunStore();
    const engine = createWorkflowEngine({ store });
    const result = await engine.run(one, { v: 1 });
    expect(result.status).toBe("success");
    expect(await store.getRun(result.runId)).toBeUndefined();
    await expect(engine.resume(result.runId)).rejects.toMatchObject({ code: "WORKFLOW_RUN_NOT_FOUND", status: 404 });
  });

  it("forgets the id of a dropped run at once, as documented, however recently it was dropped", async () => {
    const engine = createWorkflowEngine({ store: memoryRunStore() });
    expect((await engine.run(one, { v: 1 }, { runId: "again" })).status).toBe("success");
    const second = await engine.run(one, { v: 2 }, { runId: "again" });
    expect(second).toMatchObject({ runId: "again", status: "success", nodes: { a: { output: { v: 2 } } } });
  });

  it("keeps the last retainFinished finished runs, oldest dropped first", async () => {
    const store = memoryRunStore({ retainFinished: 2 });
    const engine = createWorkflowEngine({ store });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await engine.run(one, { i })).runId);
    expect(await store.getRun(ids[0] as string)).toBeUndefined();
    expect(await store.getRun(ids[1] as string)).toMatchObject({ status: "success", input: { i: 1 }, nodes: { a: { output: { i: 1 } } } });
    expect(await store.getRun(ids[2] as string)).toMatchObject({ status: "success", input: { i: 2 } });
  });

  it("keeps unfinished runs for resume however many runs finish", async () => {
    const store = memoryRunStore({ retainFinished: 0 });
    const { engine, cancelled } = await cancelledRun(store);
    for (let i = 0; i < 5; i++) await engine.run(one, { i });
    expect(await store.getRun(cancelled.runId)).toMatchObject({ status: "cancelled", nodes: {} });
  });

  it("keeps paused runs and the retained ones readable across thousands of finished runs", async () => {
    const store = memoryRunStore({ retainFinished: 3 });
    const { engine, cancelled } = await cancelledRun(store);
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) ids.push((await engine.run(one, { i })).runId);
    expect(await store.getRun(cancelled.runId)).toMatchObject({ status: "cancelled" });
    expect(await store.getRun(ids[4996] as string)).toBeUndefined();
    expect(await store.getRun(ids[4997] as string)).toMatchObject({ status: "success", input: { i: 4997 } });
    expect(await store.getRun(ids[4999] as string)).toMatchObject({ status: "success", input: { i: 4999 } });
    expect(await store.getRun(ids[0] as string)).toBeUndefined();
  });

  it("starts a run inside run(): an in-process store makes the first nodes run before it returns", async () => {
    let ran = false;
    const spy = defineNode({ type: "spy", config: z.object({}), execute: () => (ran = true) });
    const engine = createWorkflowEngine({ store: memoryRunStore(), nodes: [spy] });
    const pending = engine.run({ ...one, nodes: [{ id: "s", type: "spy", config: {} }] });
    expect(ran).toBe(true);
    expect((await pending).status).toBe("success");
  });

  it.each([[-1], [1.5], ["10"]])("rejects retainFinished %j, naming the field", (retainFinished) => {
    expect(() => memoryRunStore({ retainFinished } as never)).toThrowError(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "retainFinished" }) }),
    );
  });
});
