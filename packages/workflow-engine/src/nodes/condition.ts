import { defineNode, routeTo } from "../define-node.js";
import { conditionSchema, evaluateCondition } from "./operators.js";

/**
 * `condition`: evaluates a comparison (or an `all`/`any` group) on the node input and routes to the `"true"` or
 * `"false"` branch. Output: `{ condition_met, field, value }`.
 *
 * @example
 * ```json
 * { "id": "adult", "type": "condition", "config": { "conditionType": "greater_or_equal", "field": "age", "value": 18 } }
 * ```
 */
export const conditionNode = defineNode({
  type: "condition",
  config: conditionSchema,
  branches: ["true", "false"],
  execute: ({ config, input }) => {
    const outcome = evaluateCondition(config, input);
    return routeTo(outcome.condition_met ? "true" : "false", outcome);
  },
});
