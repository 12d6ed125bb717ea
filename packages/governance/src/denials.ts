import type { AtomError } from "@atom/errors";
import { requiredMaturity } from "./complexity.js";
import { GovernanceDeniedError } from "./errors.js";

/** The 403 for a request that named no agent where one is required. @internal */
export function unidentifiedError(actionName: string, complexity: number): AtomError {
  return new GovernanceDeniedError({
    reason: "An agent id is required for this action",
    agent_id: null,
    action_name: actionName,
    required_maturity: requiredMaturity(complexity),
  });
}
