import { z } from "zod";
import type { AtomError } from "./atom-error.js";
import { InternalError } from "./builtins.js";
import { type ErrorMapper, toAtomError } from "./normalize.js";
import {
  type ErrorFormat,
  type ErrorResponse,
  isProduction,
  negotiateFormat,
  renderAtomError,
  renderAtomErrorText,
  type RenderedError,
  type ToErrorResponseOptions,
} from "./response.js";
import { handlerOptionsShape, mapperListSchema } from "./options.js";
import { resolveRequestId } from "./request-id.js";
import type { Severity } from "./severity.js";
import { parseInput } from "./validate.js";

/**
 * A logger the default `onError` writes to: pino's, Fastify's `request.log`, or anything with the same
 * `error(object, message)` method.
 */
export interface ErrorLogger {
  /** Logs at error level: a structured entry (`err`, `error_code`, `status`, `request_id`...) and a message. */
  error(entry: Record<string, unknown>, message: string): void;
}

/** What the `onError` hook receives for every error a host renders. */
export interface ErrorEvent {
  /** The error as rendered. */
  error: AtomError;
  /** What was thrown, before conversion. */
  original: unknown;
  /** The error's severity. */
  severity: Severity;
  /** The HTTP status sent. */
  status: number;
  /** The request id sent. */
  requestId: string;
  /** The request's HTTP method, when the host knows it. */
  method?: string;
  /** The request's path, when the host knows it. */
  path?: string;
  /** The host's logger (Fastify's `request.log`, or the `logger` option), when there is one. */
  logger?: ErrorLogger;
}

/** Options shared by the Express, Fastify and Hono error handlers. */
export interface ErrorHandlerOptions {
  /**
   * Send the safe body: hide the message and details of errors that are not exposed (all 5xx by default), never a
   * stack. `false` opts in to development detail.
   * @default process.env.NODE_ENV !== "development"
   */
  production?: boolean;
  /** `negotiate` picks problem+json when the `Accept` header asks for it. @default "negotiate" */
  format?: ErrorFormat | "negotiate";
  /** Called with every error (for logs and metrics); exceptions it throws are swallowed. @default {@link logSevereErrors} */
  onError?: (event: ErrorEvent) => void;
  /** Base URI for problem `type`. @default "about:blank" */
  problemTypeBase?: string;
  /** Keys redacted from details. */
  redact?: RegExp;
  /** Extra conversions tried before the built-in ones. */
  mappers?: readonly ErrorMapper[];
  /** Clock for `timestamp`. */
  now?: () => Date;
  /**
   * Where the default `onError` logs severe errors.
   * @default Fastify's `request.log` on Fastify; `console.error` elsewhere
   */
  logger?: ErrorLogger;
}

/** The request facts a host passes to {@link ErrorRenderer.render}. */
export interface RenderContext {
  /** The incoming `x-request-id` header; reused when it is a safe token. */
  requestIdHeader?: string | string[] | null | undefined;
  /** The `Accept` header, for negotiating problem+json. */
  accept?: string | string[] | null | undefined;
  /** The request's HTTP method, for `onError`. */
  method?: string;
  /** The request's path, for `onError`. */
  path?: string;
  /** The id the framework gave the request (Fastify's `request.id`, Hono's `requestId`); preferred when safe. */
  requestId?: unknown;
  /** The request's logger (Fastify's `request.log`); the `logger` option wins over it. */
  logger?: ErrorLogger;
}

/** Renders errors for one host; made by {@link createErrorRenderer}. */
export interface ErrorRenderer {
  /** Converts anything thrown into the status, headers and body to send. */
  render(error: unknown, context: RenderContext): ErrorResponse;
  /** Same as {@link ErrorRenderer.render}, with the body already written as JSON text: what the Atom hosts send. */
  renderText(error: unknown, context: RenderContext): RenderedError;
}

/**
 * The default `onError`: logs `critical` and `high` errors with their stack (and the full internal message) to the
 * host's logger, or to `console.error` when there is none.
 */
export function logSevereErrors(event: ErrorEvent): void {
  if (event.severity !== "critical" && event.severity !== "high") return;
  const cause = event.error.cause instanceof Error ? event.error.cause : event.error;
  const message = `[@atom/errors] ${event.error.code} ${event.status} ${event.method ?? ""} ${event.path ?? ""}`;
  if (event.logger) {
    event.logger.error(
      {
        err: cause,
        error_code: event.error.code,
        status: event.status,
        request_id: event.requestId,
        ...(event.method === undefined ? {} : { method: event.method }),
        ...(event.path === undefined ? {} : { path: event.path }),
      },
      message,
    );
    return;
  }
  console.error(`${message} request_id=${event.requestId}`, cause);
}

/**
 * The host-independent part of every error handler: converts, notifies `onError`, negotiates the format and
 * renders. Host glue (`@atom/errors/express`, `/fastify`, `/hono`) only moves bytes.
 *
 * @throws {ValidationError} (`VALIDATION_ERROR`) naming the option when an option is not what its type says, or is unknown
 */
export function createErrorRenderer(options: ErrorHandlerOptions = {}, hostMappers: readonly ErrorMapper[] = []): ErrorRenderer {
  const context = "[@atom/errors] createErrorRenderer";
  parseInput(mapperListSchema, hostMappers, `${context} hostMappers`);
  return createHostRenderer(options, hostMappers, context);
}

/**
 * {@link createErrorRenderer} for a host: `context` names the host's function in validation errors, and `extra`
 * lists the host's own options (validated too; the host reads them).
 * @internal
 */
export function createHostRenderer(
  options: ErrorHandlerOptions,
  hostMappers: readonly ErrorMapper[],
  context: string,
  extra: z.ZodRawShape = {},
): ErrorRenderer {
  parseInput(z.object({ ...handlerOptionsShape, ...extra }).strict(), options, context);
  const onError = options.onError ?? logSevereErrors;
  const mappers = [...(options.mappers ?? []), ...hostMappers];
  const negotiate = !options.format || options.format === "negotiate";
  const fixed: ToErrorResponseOptions = { production: options.production ?? isProduction() };
  if (options.problemTypeBase !== undefined) fixed.problemTypeBase = options.problemTypeBase;
  if (options.redact !== undefined) fixed.redact = options.redact;
  if (options.now !== undefined) fixed.now = options.now;
  // Converts, notifies `onError` and negotiates: what both renderings share.
  const prepare = (error: unknown, context: RenderContext) => {
    const atom = toAtomError(error, mappers);
    const requestId = resolveRequestId(context.requestIdHeader, context.requestId);
    // The default hook ignores all but severe errors: skip building its event for the rest.
    if (onError !== logSevereErrors || atom.severity === "critical" || atom.severity === "high") {
      notify(onError, eventOf(atom, error, requestId, context, options.logger ?? context.logger));
    }
    const accept = Array.isArray(context.accept) ? context.accept.join(",") : context.accept;
    const format = negotiate ? negotiateFormat(accept) : (options.format as ErrorFormat);
    return { atom, requestId, format };
  };
  return {
    render(error, context) {
      try {
        const { atom, requestId, format } = prepare(error, context);
        return renderAtomError(atom, fixed, requestId, format, context.path);
      } catch {
        return renderAtomError(new InternalError(), fixed, resolveRequestId(undefined), "envelope", undefined);
      }
    },
    renderText(error, context) {
      try {
        const { atom, requestId, format } = prepare(error, context);
        return renderAtomErrorText(atom, fixed, requestId, format, context.path);
      } catch {
        // The last line of defence: whatever failed (a host context that throws when read), the client gets a 500.
        return renderAtomErrorText(new InternalError(), fixed, resolveRequestId(undefined), "envelope", undefined);
      }
    },
  };
}

function eventOf(
  atom: AtomError,
  original: unknown,
  requestId: string,
  context: RenderContext,
  logger: ErrorLogger | undefined,
): ErrorEvent {
  const event: ErrorEvent = { error: atom, original, severity: atom.severity, status: atom.status, requestId };
  if (context.method !== undefined) event.method = context.method;
  if (context.path !== undefined) event.path = context.path;
  if (logger !== undefined) event.logger = logger;
  return event;
}

function notify(onError: (event: ErrorEvent) => void, event: ErrorEvent): void {
  try {
    onError(event);
  } catch {
    // A broken logger must not turn an error response into a crash.
  }
}
