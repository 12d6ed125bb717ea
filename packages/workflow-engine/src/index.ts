/**
 * `@atom/workflow-engine`: an embeddable, safe DAG executor for visual-editor workflows, with `condition`, `delay`,
 * `http_request`, `transform` and `action` nodes, retries, timeouts, cancellation and durable, resumable runs.
 *
 * ```sh
 * npm install @atom/workflow-engine
 * ```
 *
 * @example
 * ```ts
 * import { createWorkflowEngine } from "@atom/workflow-engine";
 *
 * const engine = createWorkflowEngine();
 * const result = await engine.run(
 *   {
 *     id: "greet",
 *     version: 1,
 *     nodes: [
 *       { id: "adult", type: "condition", config: { conditionType: "greater_or_equal", field: "age", value: 18 } },
 *       { id: "hello", type: "transform", config: { operation: "format", template: "Hello {{ $run.input.name }}" } },
 *     ],
 *     edges: [{ from: "adult", to: "hello", branch: "true" }],
 *   },
 *   { name: "Ada", age: 36 },
 * );
 * // result.status "success", result.outputs.hello "Hello Ada"
 * ```
 * @packageDocumentation
 */
export {
  createWorkflowEngine,
  type RecoveredRun,
  type ResumeOptions,
  type RunOptions,
  type WorkflowEngine,
  type WorkflowEngineOptions,
} from "./engine.js";
export { defineNode, routeTo } from "./define-node.js";
export type { InvalidWorkflow, ValidationResult, ValidWorkflow } from "./validate.js";
export { renderTemplate, resolveTemplates, type TemplateNodeView, type TemplateScope } from "./template.js";
export { memoryRunStore, type MemoryRunStoreOptions } from "./memory-store.js";
export type { SpanLike, TracerLike } from "./tracing.js";
export { createActionRegistry } from "./actions/registry.js";
export { slackPostMessage, type SlackPostMessageInput } from "./actions/slack.js";
export { gmailSend, type GmailSendInput } from "./actions/gmail.js";
export { conditionNode } from "./nodes/condition.js";
export { delayNode } from "./nodes/delay.js";
export { httpRequestNode, httpRequestConfigSchema, type HttpRequestConfig } from "./nodes/http-request.js";
export { transformNode, transformConfigSchema, type TransformConfig } from "./nodes/transform.js";
export {
  CONDITION_TYPES,
  conditionSchema,
  evaluateCondition,
  type AllCondition,
  type AnyCondition,
  type Condition,
  type ConditionOutcome,
  type ConditionType,
  type SimpleCondition,
} from "./nodes/operators.js";
export { MatchBudget, MAX_MATCH_INPUT, MAX_MATCH_WORK, MAX_PATTERN_LENGTH, MAX_PATTERN_PROGRAM } from "./nodes/regex.js";
export { MAX_DURATION_MS } from "./duration.js";
export { MAX_JSON_DEPTH, MAX_JSON_VALUES, MAX_OUTPUT_CHARS } from "./json-limits.js";
export { MAX_EDGES, MAX_NODES } from "./definition.js";
export {
  ActionNotFoundError,
  CredentialsHostNotAllowedError,
  CredentialsUnavailableError,
  GovernanceDeniedError,
  HttpRequestFailedError,
  HttpStatusError,
  NodeInputError,
  NodeLostError,
  NodeOutputTooLargeError,
  NodeTimeoutError,
  ResponseTooComplexError,
  ResponseTooLargeError,
  RunCancelledError,
  RunExistsError,
  RunNotFoundError,
  RunNotResumableError,
  RunOwnedError,
  SsrfBlockedError,
  TemplateInvalidError,
  WorkflowInvalidError,
  type WorkflowProblem,
} from "./errors.js";
export type * from "./types.js";
