import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createWorkflowEngine, defineNode, memoryRunStore, type GovernanceChecker, type RunStore, type WorkflowDefinition } from "./index.js";
import { postgresRunStore } from "./postgres.js";

let db: TestDatabase;
// Starting PGlite takes seconds on a loaded machine.
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  await db.close();
});

function counters(blocking: boolean) {
  const calls: Record<string, number> = {};
  let release: (() => void) | undefined;
  let started: () => void = () => undefined;
  const startedOnce = new Promise<void>((resolve) => (started = resolve));
  const step = defineNode({
    type: "step",
    config: z.object({ block: z.boolean().default(false) }),
    execute: async ({ node, config, signal, input }) => {
      calls[node.id] = (calls[node.id] ?? 0) + 1;
      if (blocking && config.block) {
        started();
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
      }
      return { ...(input as object), [node.id]: true };
    },
  });
  return { calls, step, startedOnce, release: () => release?.() };
}

const chain: WorkflowDefinition = {
  id: "chain",
  version: 1,
  nodes: [
    { id: "a", type: "step", config: {} },
    { id: "b", type: "step", config: { block: true } },
    { id: "c", type: "step", config: {} },
  ],
  edges: [
    { from: "a", to: "b" },
    { from: "b", to: "c" },
  ],
};

const stores: [string, () => RunStore][] = [
  ["memory", () => memoryRunStore({ retainFinished: 10 })],
  ["postgres", () => postgresRunStore({ pool: db.client })],
];

describe.each(stores)("durability (%s store)", (_, makeStore) => {
  it("resumes an aborted run on a new engine without re-running settled nodes", async () => {
    const store = makeStore();
    const first = counters(true);
    const controller = new AbortController();
    const engineA = createWorkflowEngine({ nodes: [first.step], store });
    const pending = engineA.run(chain, { start: 1 }, { runId: `run-${Math.random()}`, signal: controller.signal });
    await first.startedOnce;
    controller.abort();
    const aborted = await pending;
    expect(aborted.status).toBe("cancelled");
    expect(Object.keys(aborted.nodes)).toEqual(["a"]);
    expect((await store.getRun(aborted.runId))?.status).toBe("cancelled");

    const second = counters(false);
    const engineB = createWorkflowEngine({ nodes: [second.step], store });
    const resumed = await engineB.resume(aborted.runId);
    expect(resumed.status).toBe("success");
    expect(second.calls).toEqual({ b: 1, c: 1 });
    expect(resumed.outputs).toEqual({ c: { start: 1, a: true, b: true, c: true } });
    const stored = await store.getRun(aborted.runId);
    expect(stored?.status).toBe("success");
    expect(Object.keys(stored?.nodes ?? {}).sort()).toEqual(["a", "b", "c"]);
    await expect(engineB.resume(aborted.runId)).rejects.toMatchObject({
      code: "WORKFLOW_RUN_NOT_RESUMABLE",
      message: `[@atom/workflow-engine] run "${aborted.runId}" is success and cannot be resumed`,
    });
  });

  it("pauses on approval_required and continues once governance allows", async () => {
    const store = makeStore();
    const decisions: ("allow" | "approval_required" | "deny")[] = ["approval_required", "allow"];
    const seen: unknown[] = [];
    const governance: GovernanceChecker = {
      async check(input) {
        seen.push(input);
        return { outcome: decisions.shift() ?? "deny", reason: "policy P1" };
      },
    };
    const engine = createWorkflowEngine({ store, governance });
    const sent: unknown[] = [];
    engine.registerAction("crm.tag", {
      input: z.object({ id: z.string() }),
      complexity: 3,
      feature: "crm",
      execute: async ({ input }) => {
        sent.push(input);
        return { tagged: input.id };
      },
    });
    const def: WorkflowDefinition = {
      id: "gov",
      version: 1,
      nodes: [{ id: "tag", type: "action", config: { action: "crm.tag", input: { id: "{{ $run.input.id }}" } } }],
      edges: [],
    };
    const paused = await engine.run(def, { id: "c-1" }, { agentId: "agent-7" });
    expect(paused).toMatchObject({ status: "paused", pendingApproval: { nodeId: "tag", action: "crm.tag", reason: "policy P1" } });
    expect(sent).toEqual([]);
    const resumed = await engine.resume(paused.runId);
    expect(resumed).toMatchObject({ status: "success", outputs: { tag: { tagged: "c-1" } } });
    // Both checks ask for the same thing: this run's node with this input (what an approval is bound to).
    const request = { method: "RUN", path: `/runs/${encodeURIComponent(paused.runId)}/nodes/tag`, digest: expect.stringMatching(/^sha256:[\w-]{43}$/) };
    expect(seen).toEqual([
      { agentId: "agent-7", action: "crm.tag", complexity: 3, feature: "crm", request },
      { agentId: "agent-7", action: "crm.tag", complexity: 3, feature: "crm", request },
    ]);
    expect((seen[0] as { request: { digest: string } }).request.digest).toBe((seen[1] as { request: { digest: string } }).request.digest);
    const denied = await engine.run(def, { id: "c-2" }, { agentId: "agent-7" });
    expect(denied.status).toBe("failed");
    expect(denied.nodes.tag?.error).toMatchObject({
      code: "GOVERNANCE_DENIED",
      status: 403,
      message: '[@atom/workflow-engine] action "crm.tag" denied: policy P1',
    });
  });

  it("ends a resumed run failed when a node failed without an error edge while it was paused, and starts no new node", async () => {
    const store = makeStore();
    let reject: (error: Error) => void = () => undefined;
    const charge = defineNode({
      type: "charge",
      config: z.object({}),
      execute: () => new Promise((_, fail) => (reject = fail)),
    });
    const governance: GovernanceChecker = {
      check: async ({ approvalId }) => {
        if (approvalId === "p-1") return { outcome: "allow", reason: "approved" };
        // `charge` fails once this answer has paused the run (a macrotask runs after the pause's microtasks).
        setImmediate(() => reject(new Error("card declined")));
        return { outcome: "approval_required", reason: "needs a human", proposalId: "p-1" };
      },
    };
    const engine = createWorkflowEngine({ store, governance, nodes: [charge] });
    const posted: unknown[] = [];
    engine.registerAction("ledger.post", {
      input: z.object({ note: z.string() }),
      complexity: 1,
      execute: async ({ input }) => {
        posted.push(input.note);
        return { ok: true };
      },
    });
    const def: WorkflowDefinition = {
      id: "pay",
      version: 1,
      nodes: [
        { id: "charge", type: "charge", config: {} },
        { id: "afterCharge", type: "action", config: { action: "ledger.post", input: { note: "charged" } } },
        { id: "approve", type: "action", config: { action: "ledger.post", input: { note: "approved" } } },
        { id: "done", type: "transform", config: { operation: "extract", path: "" } },
      ],
      edges: [
        { from: "charge", to: "afterCharge" },
        { from: "approve", to: "done" },
      ],
    };
    const paused = await engine.run(def, {}, { agentId: "agent-1" });
    expect(paused).toMatchObject({ status: "paused", pendingApproval: { nodeId: "approve" }, nodes: { charge: { status: "failed" } } });

    const resumed = await engine.resume(paused.runId, { approvals: { approve: "p-1" } });
    expect(resumed).toMatchObject({ status: "failed", error: { code: "INTERNAL_ERROR" } });
    expect(Object.keys(resumed.nodes)).toEqual(["charge"]);
    expect(posted).toEqual([]);
    expect(await store.getRun(paused.runId)).toMatchObject({ status: "failed", error: { code: "INTERNAL_ERROR" } });
  });

  it("refuses unknown runs", async () => {
    const engine = createWorkflowEngine({ store: makeStore() });
    await expect(engine.resume("nope")).rejects.toMatchObject({ code: "WORKFLOW_RUN_NOT_FOUND", status: 404 });
  });
});

describe("postgresRunStore options", () => {
  it("validates pool", () => {
    expect(() => postgresRunStore({ pool: {} as never })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "pool" }) }),
    );
  });
});
