import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createWorkflowEngine, defineNode, memoryRunStore, type RunStore, type WorkflowDefinition } from "./index.js";

const later = defineNode({ type: "later", config: z.object({}), execute: async ({ input }) => input });
const chain: WorkflowDefinition = {
  id: "chain",
  version: 1,
  nodes: [
    { id: "a", type: "later", config: {} },
    { id: "b", type: "transform", config: { operation: "extract", path: "" } },
  ],
  edges: [{ from: "a", to: "b" }],
};
const storeWith = (overrides: Partial<RunStore>): RunStore => ({ ...memoryRunStore(), ...overrides });
const diskFull = () => new Error("disk full");

describe("a failing RunStore", () => {
  it.each([
    ["rejects", () => Promise.reject(diskFull())],
    ["throws", () => {
      throw diskFull();
    }],
  ])("rejects the run when setRunStatus %s, instead of reporting a state it could not record", async (_, setRunStatus) => {
    const engine = createWorkflowEngine({ nodes: [later], store: storeWith({ setRunStatus }) });
    await expect(engine.run(chain, 1)).rejects.toThrow("disk full");
  });

  it.each([
    ["rejects", () => Promise.reject(diskFull())],
    ["throws", () => {
      throw diskFull();
    }],
  ])("fails the run at the first node whose result saveNodeResult %s, and starts no successor", async (_, saveNodeResult) => {
    const statuses: string[] = [];
    const store = storeWith({ saveNodeResult, setRunStatus: (_runId, _owner, status) => void statuses.push(status) });
    const engine = createWorkflowEngine({ nodes: [later], store });
    const result = await engine.run(chain, 1);
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "INTERNAL_ERROR" });
    expect(result.nodes).toEqual({});
    expect(statuses).toEqual(["failed"]);
  });

  it("leaves a run whose final status write failed recoverable once its lease expires, with the status it reached", async () => {
    let time = Date.parse("2030-01-01T00:00:00Z");
    const memory = memoryRunStore({ retainFinished: 10, now: () => time });
    let outage = true;
    const store: RunStore = {
      ...memory,
      setRunStatus: (...args) => (outage ? Promise.reject(diskFull()) : memory.setRunStatus(...args)),
    };
    let calls = 0;
    const broken = defineNode({
      type: "broken",
      config: z.object({}),
      execute: async () => {
        calls++;
        throw new Error("upstream down");
      },
    });
    const definition: WorkflowDefinition = { id: "f", version: 1, nodes: [{ id: "x", type: "broken", config: {} }], edges: [] };
    const engine = createWorkflowEngine({ nodes: [broken], store, leaseMs: 1000 });
    await expect(engine.run(definition, {}, { runId: "unrecorded" })).rejects.toThrow("disk full");
    expect(await memory.getRun("unrecorded")).toMatchObject({ status: "running" });
    outage = false;
    time += 1100;
    const [recovered] = await createWorkflowEngine({ nodes: [broken], store }).recoverStale();
    expect(await recovered?.result).toMatchObject({ status: "failed", error: { code: "INTERNAL_ERROR" } });
    expect(await memory.getRun("unrecorded")).toMatchObject({ status: "failed" });
    expect(calls).toBe(1);
  });

  it("rejects the run when createRun fails, before any node runs", async () => {
    let ran = false;
    const spy = defineNode({ type: "spy", config: z.object({}), execute: () => (ran = true) });
    const engine = createWorkflowEngine({ nodes: [spy], store: storeWith({ createRun: () => Promise.reject(diskFull()) }) });
    await expect(engine.run({ id: "s", version: 1, nodes: [{ id: "s", type: "spy", config: {} }], edges: [] })).rejects.toThrow(
      "disk full",
    );
    expect(ran).toBe(false);
  });
});
