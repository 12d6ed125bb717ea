/**
 * `@atom/errors`: one error contract for every Atom package and every host.
 *
 * ```sh
 * npm install @atom/errors
 * ```
 *
 * @example
 * ```ts
 * import { UserNotFoundError, toErrorResponse } from "@atom/errors";
 *
 * const { status, body } = toErrorResponse(new UserNotFoundError({ userId: "abc123" }), { requestId: "req-1" });
 * // status 404, body.error_code "USER_1101", body.message "User not found (ID: abc123)"
 * ```
 * @packageDocumentation
 */
export { AtomError, isAtomError, type AtomErrorJSON, type AtomErrorOptions, type ErrorDetails } from "./atom-error.js";
export { SEVERITIES, severityForStatus, statusForSeverity, type Severity } from "./severity.js";
export * from "./builtins.js";
export {
  defineError,
  type DefineErrorOptions,
  type DefinedError,
  type DefinedErrorClass,
  type DefinedErrorOptions,
  type DetailsOf,
  type DetailsSchema,
} from "./define-error.js";
export {
  isZodError,
  issuesFromZod,
  validationErrorFromZod,
  type FromZodOptions,
  type ZodErrorLike,
  type ZodIssueLike,
} from "./zod-issues.js";
export { parseInput } from "./validate.js";
export { toAtomError, type ErrorMapper } from "./normalize.js";
export { errorFromHttpStatus, statusPhrase } from "./http-status.js";
export { DEFAULT_REDACT_PATTERN, toSafeJson } from "./redact.js";
export { REQUEST_ID_HEADER, resolveRequestId } from "./request-id.js";
export {
  isProduction,
  negotiateFormat,
  toErrorResponse,
  type ErrorEnvelope,
  type ErrorFormat,
  type ErrorResponse,
  type ProblemDetails,
  type RenderedError,
  type ToErrorResponseOptions,
} from "./response.js";
export {
  createErrorRenderer,
  logSevereErrors,
  type ErrorEvent,
  type ErrorHandlerOptions,
  type ErrorLogger,
  type ErrorRenderer,
  type RenderContext,
} from "./error-handler.js";
export { errorEnvelopeSchema, parseErrorResponse } from "./parse-response.js";
