import { createGovernance, memoryAgentRegistry, memoryApprovalStore } from "@atom/governance";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createWorkflowEngine, memoryRunStore, type WorkflowDefinition } from "./index.js";

const def: WorkflowDefinition = {
  id: "gov",
  version: 1,
  nodes: [
    { id: "tag", type: "action", config: { action: "crm.tag", input: { id: "{{ $run.input.id }}" } } },
    { id: "done", type: "transform", config: { operation: "extract", path: "tagged" } },
  ],
  edges: [{ from: "tag", to: "done" }],
};

/** An engine gated by the real @atom/governance, with an INTERN agent that needs approval for complexity 3. */
function setup() {
  const approvals = memoryApprovalStore();
  const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "intern", status: "INTERN" }]), approvals });
  const engine = createWorkflowEngine({ governance, store: memoryRunStore({ retainFinished: 10 }) });
  const sent: unknown[] = [];
  engine.registerAction("crm.tag", {
    input: z.object({ id: z.string() }),
    complexity: 3,
    execute: async ({ input }) => {
      sent.push(input);
      return { tagged: input.id };
    },
  });
  return { engine, governance, approvals, sent };
}

describe("governance approval round trip (@atom/governance)", () => {
  it("pauses with the proposal id; resuming with the approved id runs the action once", async () => {
    const { engine, governance, approvals, sent } = setup();
    const paused = await engine.run(def, { id: "c-1" }, { agentId: "intern" });
    expect(paused).toMatchObject({ status: "paused", pendingApproval: { nodeId: "tag", action: "crm.tag", proposalId: expect.any(String) } });
    const proposalId = paused.pendingApproval?.proposalId as string;
    expect(await approvals.getProposal(proposalId)).toMatchObject({ status: "pending", agentId: "intern" });

    await governance.approve(proposalId, { by: "alice" });
    const resumed = await engine.resume(paused.runId, { approvals: { tag: proposalId } });
    expect(resumed).toMatchObject({ status: "success", outputs: { done: "c-1" } });
    expect(sent).toEqual([{ id: "c-1" }]);
    expect(await approvals.getProposal(proposalId)).toMatchObject({ status: "used" });
  });

  it("an approval that is still pending, asked for another run, or used, fails the node with GOVERNANCE_DENIED", async () => {
    const { engine, governance, sent } = setup();
    const first = await engine.run(def, { id: "c-1" }, { agentId: "intern" });
    const proposalId = first.pendingApproval?.proposalId as string;
    const pending = await engine.resume(first.runId, { approvals: { tag: proposalId } });
    expect(pending.nodes.tag).toMatchObject({ status: "failed", error: { code: "GOVERNANCE_DENIED" } });

    await governance.approve(proposalId, { by: "alice" });
    const second = await engine.run(def, { id: "c-2" }, { agentId: "intern" });
    const replayed = await engine.resume(second.runId, { approvals: { tag: proposalId } });
    expect(replayed.nodes.tag).toMatchObject({ status: "failed", error: { code: "GOVERNANCE_DENIED" } });
    expect(sent).toEqual([]);
    const fresh = await engine.run(def, { id: "c-2" }, { agentId: "intern" });
    const forFresh = fresh.pendingApproval?.proposalId as string;
    await governance.approve(forFresh, { by: "alice" });
    expect((await engine.resume(fresh.runId, { approvals: { tag: forFresh } })).status).toBe("success");
    const third = await engine.run(def, { id: "c-3" }, { agentId: "intern" });
    const reused = await engine.resume(third.runId, { approvals: { tag: forFresh } });
    expect(reused.nodes.tag).toMatchObject({ status: "failed", error: { code: "GOVERNANCE_DENIED" } });
    expect(sent).toEqual([{ id: "c-2" }]);
  });

  it("an approval is bound to the run, the node and the action's input it was asked for", async () => {
    const { engine, governance, approvals, sent } = setup();
    const a = await engine.run(def, { id: "c-1" }, { agentId: "intern" });
    const b = await engine.run(def, { id: "c-2" }, { agentId: "intern" });
    const forA = a.pendingApproval?.proposalId as string;
    const forB = b.pendingApproval?.proposalId as string;
    expect(await approvals.getProposal(forA)).toMatchObject({ request: { path: `/runs/${encodeURIComponent(a.runId)}/nodes/tag`, digest: expect.stringMatching(/^sha256:/) } });
    await governance.approve(forA, { by: "alice" });
    await governance.approve(forB, { by: "alice" });
    // B's approval on A (and A's on B) is refused, so a reviewer who approved tagging c-2 never tags c-1.
    const crossed = await engine.resume(a.runId, { approvals: { tag: forB } });
    expect(crossed.nodes.tag).toMatchObject({ status: "failed", error: { code: "GOVERNANCE_DENIED" } });
    expect(sent).toEqual([]);
    expect(await engine.resume(b.runId, { approvals: { tag: forB } })).toMatchObject({ status: "success", outputs: { done: "c-2" } });
    expect(sent).toEqual([{ id: "c-2" }]);
  });

  it("denies an action of a run without agentId instead of asking governance for nobody", async () => {
    const { engine, sent } = setup();
    const result = await engine.run(def, { id: "c-1" });
    expect(result.nodes.tag).toMatchObject({
      status: "failed",
      error: { code: "GOVERNANCE_DENIED", message: '[@atom/workflow-engine] action "crm.tag" denied: the run has no agentId to check' },
    });
    expect(sent).toEqual([]);
  });

  it("a retry of the approved action does not ask governance again (the approval is single-use)", async () => {
    const approvals = memoryApprovalStore();
    const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "intern", status: "INTERN" }]), approvals });
    const engine = createWorkflowEngine({ governance, random: () => 0 });
    let calls = 0;
    engine.registerAction("crm.flaky", {
      input: z.object({}),
      complexity: 3,
      execute: async () => {
        if (++calls === 1) throw new Error("503 from the CRM");
        return { ok: true };
      },
    });
    const flaky: WorkflowDefinition = {
      id: "flaky",
      version: 1,
      nodes: [{ id: "call", type: "action", config: { action: "crm.flaky" }, retry: { maxAttempts: 2, initialDelayMs: 0 } }],
      edges: [],
    };
    const paused = await engine.run(flaky, {}, { agentId: "intern" });
    const proposalId = paused.pendingApproval?.proposalId as string;
    await governance.approve(proposalId, { by: "alice" });
    const resumed = await engine.resume(paused.runId, { approvals: { call: proposalId } });
    expect(resumed.nodes.call).toMatchObject({ status: "success", attempts: 2, output: { ok: true } });
    expect(calls).toBe(2);
  });

  it("an action whose input reads a node that may settle between its attempts is refused before anything runs", async () => {
    const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "intern", status: "INTERN" }]), approvals: memoryApprovalStore() });
    const engine = createWorkflowEngine({ governance });
    const sent: unknown[] = [];
    engine.registerAction("crm.wire", {
      input: z.object({ to: z.string() }),
      complexity: 3,
      execute: async ({ input }) => {
        sent.push(input);
        return { ok: true };
      },
    });
    // "pay" does not depend on "swap": were it allowed to read it, its input (and what an approval of it covered)
    // could change between its attempts.
    const wire: WorkflowDefinition = {
      id: "wire",
      version: 1,
      nodes: [
        { id: "start", type: "transform", config: { operation: "extract", path: "" } },
        { id: "pay", type: "action", retry: { maxAttempts: 2, initialDelayMs: 0 }, config: { action: "crm.wire", input: { to: "acct-{{ $node.swap.output }}" } } },
        { id: "swap", type: "transform", config: { operation: "extract", path: "" } },
      ],
      edges: [
        { from: "start", to: "pay" },
        { from: "start", to: "swap" },
      ],
    };
    await expect(engine.run(wire, {}, { agentId: "intern" })).rejects.toMatchObject({
      code: "WORKFLOW_INVALID",
      details: { problems: [{ nodeId: "pay", field: "nodes.1.config.input.to", message: 'template reads node "swap", which is not upstream of "pay" (it may not have run yet)' }] },
    });
    expect(sent).toEqual([]);
  });

  it("binds an approval to the exact run and node even when their ids contain \"/\"", async () => {
    const { engine, governance, approvals, sent } = setup();
    const node = (id: string): WorkflowDefinition => ({ id: "w", version: 1, nodes: [{ ...def.nodes[0]!, id }], edges: [] });
    const a = await engine.run(node("a/nodes/tag"), { id: "c-1" }, { runId: "R", agentId: "intern" });
    const b = await engine.run(node("tag"), { id: "c-1" }, { runId: "R/nodes/a", agentId: "intern" });
    const forA = a.pendingApproval?.proposalId as string;
    expect(b.pendingApproval?.proposalId).not.toBe(forA);
    expect(await approvals.getProposal(forA)).toMatchObject({ request: { path: "/runs/R/nodes/a%2Fnodes%2Ftag" } });
    await governance.approve(forA, { by: "alice" });
    const crossed = await engine.resume("R/nodes/a", { approvals: { tag: forA } });
    expect(crossed.nodes.tag).toMatchObject({ status: "failed", error: { code: "GOVERNANCE_DENIED" } });
    expect(sent).toEqual([]);
    expect((await engine.resume("R", { approvals: { "a/nodes/tag": forA } })).status).toBe("success");
    expect(sent).toEqual([{ id: "c-1" }]);
  });

  it("validates approvals", async () => {
    const { engine } = setup();
    await expect(engine.resume("r", { approvals: { tag: "" } })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
  });
});
