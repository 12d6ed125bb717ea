import type { RunResult, WorkflowDefinition, WorkflowEngine } from "@atom/workflow-engine";
import { z } from "zod";
import { parseRequest } from "./request.js";

/**
 * The example workflow: customers who spent at least 1,000 are looked up in the CRM over HTTP and greeted.
 * condition → http_request → transform.
 */
export function vipWorkflow(crmUrl: string): WorkflowDefinition {
  return {
    id: "vip-greeting",
    version: 1,
    nodes: [
      { id: "isVip", type: "condition", config: { conditionType: "greater_or_equal", field: "spend", value: 1000 } },
      {
        id: "fetchCustomer",
        type: "http_request",
        config: { method: "GET", url: `${crmUrl}/customers/{{ $run.input.customerId }}` },
        retry: { maxAttempts: 2, initialDelayMs: 50 },
        timeoutMs: 5_000,
      },
      {
        id: "greeting",
        type: "transform",
        config: { operation: "format", template: "Welcome back, {{ $node.fetchCustomer.output.body.name }}!" },
      },
    ],
    edges: [
      { from: "isVip", to: "fetchCustomer", branch: "true" },
      { from: "fetchCustomer", to: "greeting" },
    ],
  };
}

const runBody = z.object({
  input: z.object({ customerId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), spend: z.number().nonnegative() }),
});

/** `POST /workflows/run`: runs the VIP workflow and answers each node's status and the final outputs. */
export async function runVipWorkflow(engine: WorkflowEngine, crmUrl: string, body: unknown) {
  const { input } = parseRequest(runBody, body, "body");
  const result: RunResult = await engine.run(vipWorkflow(crmUrl), input, { deadlineMs: 15_000 });
  return {
    status: result.status,
    nodes: Object.fromEntries(Object.entries(result.nodes).map(([id, node]) => [id, node.status])),
    outputs: result.outputs,
  };
}
