import type { NodeResult } from "./types.js";
import type { CompiledWorkflow } from "./validate.js";

/**
 * The first recorded result of `nodes` that failed a node without an `error` edge: such a failure fails the run, so
 * a run resumed or recovered with one ends failed and starts nothing new, in-process and on the queue alike.
 * @internal
 */
export function settledFailure(workflow: CompiledWorkflow, nodes: Readonly<Record<string, NodeResult>>): NodeResult | undefined {
  for (const id in nodes) {
    if (!Object.hasOwn(nodes, id)) continue;
    const result = nodes[id] as NodeResult;
    if (result.status === "failed" && workflow.byId.get(id)?.handlesErrors === false) return result;
  }
  return undefined;
}
