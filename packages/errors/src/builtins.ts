import { AtomError, type AtomErrorOptions, type ErrorDetails } from "./atom-error.js";
import type { Severity } from "./severity.js";

/** Options shared by the built-in errors. */
export interface BuiltinErrorOptions {
  /** Replaces the default message. */
  message?: string;
  /** The message clients see. @default `message` without leading `[@scope/pkg]` tags */
  publicMessage?: string;
  /** The underlying error. */
  cause?: unknown;
  /** Extra details, merged after the class's own. */
  details?: ErrorDetails;
}

interface Preset {
  code: string;
  status: number;
  severity: Severity;
  message: string;
}

const NONE: ErrorDetails = {};

/** Copies the defined values of `own` then `extra` (no `delete`, which would turn the object into a slow dictionary). */
function mergeDetails(own: ErrorDetails, extra: ErrorDetails | undefined): ErrorDetails {
  const details: ErrorDetails = {};
  for (const key in own) if (own[key] !== undefined) details[key] = own[key];
  if (extra) for (const key in extra) if (extra[key] !== undefined) details[key] = extra[key];
  return details;
}

// Built without object spread: on Node 20 `{ ...a, b }` costs more than the rest of constructing the error.
function init(preset: Preset, options: BuiltinErrorOptions | undefined, own: ErrorDetails = NONE): AtomErrorOptions {
  const result: AtomErrorOptions = {
    code: preset.code,
    status: preset.status,
    severity: preset.severity,
    message: options?.message ?? preset.message,
    details: mergeDetails(own, options?.details),
  };
  if (options?.publicMessage !== undefined) result.publicMessage = options.publicMessage;
  if (options?.cause !== undefined) result.cause = options.cause;
  return result;
}

function withPreset(base: Preset, preset: Partial<Preset> | undefined): Preset {
  if (!preset) return base;
  return {
    code: preset.code ?? base.code,
    status: preset.status ?? base.status,
    severity: preset.severity ?? base.severity,
    message: preset.message ?? base.message,
  };
}

function capitalized(resource: string): string {
  return resource.charAt(0).toUpperCase() + resource.slice(1);
}

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Where the problem is, as a path of keys and indexes. */
  path: (string | number)[];
  /** What is wrong. */
  message: string;
  /** A machine-readable kind, such as zod's `invalid_type`. */
  code: string;
}

/** Options of {@link ValidationError}. */
export interface ValidationErrorOptions extends BuiltinErrorOptions {
  /** The offending field, dotted (`items.0.amount`). */
  field?: string;
  /** Every problem found. */
  issues?: ValidationIssue[];
}

/** `VALIDATION_ERROR` (400): input failed validation. Details: `field`, `issues`. */
export class ValidationError extends AtomError {
  constructor(options: ValidationErrorOptions = {}) {
    const field = options.field ?? options.issues?.[0]?.path.join(".");
    super(
      init(
        {
          code: "VALIDATION_ERROR",
          status: 400,
          severity: "medium",
          message: field ? `Invalid value for "${field}"` : "Validation failed",
        },
        options,
        { field: field || undefined, issues: options.issues },
      ),
    );
  }
}

/** `INVALID_JSON` (400): the request body is not valid JSON. */
export class InvalidJsonError extends AtomError {
  constructor(options: BuiltinErrorOptions = {}) {
    super(init({ code: "INVALID_JSON", status: 400, severity: "medium", message: "Request body is not valid JSON" }, options));
  }
}

/** `PAYLOAD_TOO_LARGE` (413): the request body exceeds the host's limit. */
export class PayloadTooLargeError extends AtomError {
  constructor(options: BuiltinErrorOptions = {}) {
    super(init({ code: "PAYLOAD_TOO_LARGE", status: 413, severity: "medium", message: "Request body is too large" }, options));
  }
}

/** Options of {@link NotFoundError}. */
export interface NotFoundErrorOptions extends BuiltinErrorOptions {
  /** The kind of thing that was looked for (`invoice`). */
  resource?: string;
  /** Its identifier. */
  id?: string;
}

/** `NOT_FOUND` (404): a resource or route does not exist. Subclasses use their own codes. */
export class NotFoundError extends AtomError {
  /**
   * @param options message, cause, details, and what was looked for
   * @param preset code (and status, severity, message) of a subclass
   * @param subject what a subclass looked for; wins over `options.resource` and `options.id`
   */
  constructor(options: NotFoundErrorOptions = {}, preset?: Partial<Preset>, subject?: { resource: string; id: string }) {
    const resource = subject?.resource ?? options.resource;
    const id = subject?.id ?? options.id;
    const label = capitalized(resource ?? "Resource");
    const message = id === undefined ? `${label} not found` : `${label} not found (ID: ${id})`;
    super(
      init(withPreset({ code: "NOT_FOUND", status: 404, severity: "low", message }, preset), options, { resource, id }),
    );
  }
}

/** `USER_1101` (404): "User not found (ID: abc123)". */
export class UserNotFoundError extends NotFoundError {
  constructor(options: { userId: string } & BuiltinErrorOptions) {
    super(options, { code: "USER_1101" }, { resource: "user", id: options.userId });
  }
}

/** `AGENT_NOT_FOUND` (404): "Agent not found (ID: agent-7)". */
export class AgentNotFoundError extends NotFoundError {
  constructor(options: { agentId: string } & BuiltinErrorOptions) {
    super(options, { code: "AGENT_NOT_FOUND" }, { resource: "agent", id: options.agentId });
  }
}

/** Options of {@link AlreadyExistsError}. */
export interface AlreadyExistsErrorOptions extends BuiltinErrorOptions {
  /** The kind of thing that already exists. */
  resource?: string;
  /** The key that collided, as `field: value` pairs. */
  key?: Record<string, string>;
}

/** `ALREADY_EXISTS` (409): a resource with the same unique key exists. */
export class AlreadyExistsError extends AtomError {
  /**
   * @param options message, cause, details, and the resource and key that collided
   * @param preset code (and status, severity, message) of a subclass
   */
  constructor(options: AlreadyExistsErrorOptions = {}, preset?: Partial<Preset>) {
    const label = capitalized(options.resource ?? "Resource");
    const own: ErrorDetails = { resource: options.resource };
    const pairs: string[] = [];
    for (const name in options.key) {
      own[name] = options.key[name];
      pairs.push(`${name}: ${options.key[name]}`);
    }
    const message = pairs.length > 0 ? `${label} already exists (${pairs.join(", ")})` : `${label} already exists`;
    super(init(withPreset({ code: "ALREADY_EXISTS", status: 409, severity: "low", message }, preset), options, own));
  }
}

/** `USER_1102` (409): "User already exists (email: a@b.co)". */
export class UserAlreadyExistsError extends AlreadyExistsError {
  constructor(options: { email: string } & BuiltinErrorOptions) {
    super(alreadyExistsOptions(options, "user", { email: options.email }), { code: "USER_1102" });
  }
}

function alreadyExistsOptions(options: BuiltinErrorOptions, resource: string, key: Record<string, string>): AlreadyExistsErrorOptions {
  const result: AlreadyExistsErrorOptions = { resource, key };
  if (options.message !== undefined) result.message = options.message;
  if (options.publicMessage !== undefined) result.publicMessage = options.publicMessage;
  if (options.cause !== undefined) result.cause = options.cause;
  if (options.details !== undefined) result.details = options.details;
  return result;
}

/** `CONFLICT` (409): the request conflicts with the current state. */
export class ConflictError extends AtomError {
  constructor(options: BuiltinErrorOptions = {}) {
    super(init({ code: "CONFLICT", status: 409, severity: "medium", message: "Conflict with the current state" }, options));
  }
}

/** `UNAUTHORIZED` (401): missing or invalid credentials. */
export class UnauthorizedError extends AtomError {
  constructor(options: BuiltinErrorOptions = {}) {
    super(init({ code: "UNAUTHORIZED", status: 401, severity: "medium", message: "Authentication required" }, options));
  }
}

/** `FORBIDDEN` (403): the caller may not do this. */
export class ForbiddenError extends AtomError {
  constructor(options: BuiltinErrorOptions = {}) {
    super(init({ code: "FORBIDDEN", status: 403, severity: "medium", message: "Not allowed" }, options));
  }
}

/** Options of {@link RateLimitedError}. */
export interface RateLimitedErrorOptions extends BuiltinErrorOptions {
  /** Seconds until the caller may retry; sent as the `Retry-After` header. */
  retryAfter?: number;
}

/** `RATE_LIMITED` (429): too many requests; `retryAfter` becomes the `Retry-After` header. */
export class RateLimitedError extends AtomError {
  /** Seconds until the caller may retry. */
  declare readonly retryAfter: number | undefined;
  constructor(options: RateLimitedErrorOptions = {}) {
    const retryAfter = options.retryAfter === undefined ? undefined : Math.max(0, Math.ceil(options.retryAfter));
    const atomOptions = init({ code: "RATE_LIMITED", status: 429, severity: "low", message: "Too many requests" }, options, {
      retryAfter,
    });
    if (retryAfter !== undefined) atomOptions.headers = { "retry-after": String(retryAfter) };
    super(atomOptions);
    this.retryAfter = retryAfter;
  }
}

/** `DATABASE_ERROR` (500): a database operation failed. Never exposed in production. */
export class DatabaseError extends AtomError {
  constructor(options: BuiltinErrorOptions = {}) {
    super(init({ code: "DATABASE_ERROR", status: 500, severity: "high", message: "Database operation failed" }, options));
  }
}

/** Options of {@link ExternalServiceError}. */
export interface ExternalServiceErrorOptions extends BuiltinErrorOptions {
  /** The service that failed (`slack`). */
  service?: string;
}

/** `EXTERNAL_SERVICE_ERROR` (502): an upstream service failed. */
export class ExternalServiceError extends AtomError {
  constructor(options: ExternalServiceErrorOptions = {}) {
    super(
      init(
        {
          code: "EXTERNAL_SERVICE_ERROR",
          status: 502,
          severity: "high",
          message: options.service ? `External service "${options.service}" failed` : "External service failed",
        },
        options,
        { service: options.service },
      ),
    );
  }
}

/** Options of {@link TimeoutError}. */
export interface TimeoutErrorOptions extends BuiltinErrorOptions {
  /** The limit that was exceeded, in milliseconds. */
  timeoutMs?: number;
}

/** `TIMEOUT` (504): an operation took longer than allowed. */
export class TimeoutError extends AtomError {
  constructor(options: TimeoutErrorOptions = {}) {
    super(
      init({ code: "TIMEOUT", status: 504, severity: "high", message: "Operation timed out" }, options, {
        timeoutMs: options.timeoutMs,
      }),
    );
  }
}

/** `INTERNAL_ERROR` (500): an unexpected failure. Unknown throwables become this. */
export class InternalError extends AtomError {
  constructor(options: BuiltinErrorOptions = {}) {
    super(init({ code: "INTERNAL_ERROR", status: 500, severity: "critical", message: "Internal server error" }, options));
  }
}
