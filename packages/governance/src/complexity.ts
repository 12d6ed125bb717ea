import type { AgentMaturity } from "./maturity.js";

/**
 * How risky an action is. Each level needs a minimum maturity: LOW → STUDENT, MODERATE → INTERN,
 * HIGH → SUPERVISED, CRITICAL → AUTONOMOUS.
 * @example governance.check({ agentId, complexity: ActionComplexity.HIGH, actionName: "create_invoice" });
 */
export const ActionComplexity = {
  /** 1: reads (search, read, list, get, fetch, summarize); any active agent. */
  LOW: 1,
  /** 2: drafts and suggestions (analyze, suggest, draft, generate, recommend); INTERN and up. */
  MODERATE: 2,
  /** 3: changes (create, update, send_email, post_message, schedule, submit_form); SUPERVISED and up. */
  HIGH: 3,
  /** 4: irreversible or money-moving (delete, execute, deploy, transfer, payment, approve); AUTONOMOUS only. */
  CRITICAL: 4,
} as const;

/** One of the {@link ActionComplexity} levels (1–4). */
export type ActionComplexity = (typeof ActionComplexity)[keyof typeof ActionComplexity];

const REQUIRED: Record<ActionComplexity, AgentMaturity> = {
  1: "STUDENT",
  2: "INTERN",
  3: "SUPERVISED",
  4: "AUTONOMOUS",
};

/**
 * Narrows any number to an {@link ActionComplexity}: 1–4 stay, everything else (0, 5, 2.5, NaN) is CRITICAL, so a
 * mistyped complexity fails closed.
 */
export function toComplexity(value: number): ActionComplexity {
  return value === 1 || value === 2 || value === 3 || value === 4 ? value : ActionComplexity.CRITICAL;
}

/** The minimum maturity an action of this complexity needs. Unknown complexities need AUTONOMOUS. */
export function requiredMaturity(complexity: number): AgentMaturity {
  return REQUIRED[toComplexity(complexity)];
}

/**
 * The default action → complexity table (from the platform this package replaces). Pass `actions` to
 * `createGovernance` to add or override entries; actions missing from the table are CRITICAL.
 *
 * | complexity | actions |
 * | --- | --- |
 * | 1 LOW | search, read, list, get, fetch, summarize |
 * | 2 MODERATE | analyze, suggest, draft, generate, recommend |
 * | 3 HIGH | create, update, send_email, post_message, schedule, submit_form |
 * | 4 CRITICAL | delete, execute, deploy, transfer, payment, approve |
 */
export const DEFAULT_ACTION_COMPLEXITY: Readonly<Record<string, ActionComplexity>> = Object.freeze({
  search: 1,
  read: 1,
  list: 1,
  get: 1,
  fetch: 1,
  summarize: 1,
  analyze: 2,
  suggest: 2,
  draft: 2,
  generate: 2,
  recommend: 2,
  create: 3,
  update: 3,
  send_email: 3,
  post_message: 3,
  schedule: 3,
  submit_form: 3,
  delete: 4,
  execute: 4,
  deploy: 4,
  transfer: 4,
  payment: 4,
  approve: 4,
});

/**
 * Looks an action up in `table` (case-insensitive); unknown actions are CRITICAL.
 * @example complexityForAction("send_email") // 3
 */
export function complexityForAction(
  action: string,
  table: Readonly<Record<string, number>> = DEFAULT_ACTION_COMPLEXITY,
): ActionComplexity {
  const value = Object.hasOwn(table, action.toLowerCase()) ? table[action.toLowerCase()] : undefined;
  return value === undefined ? ActionComplexity.CRITICAL : toComplexity(value);
}
