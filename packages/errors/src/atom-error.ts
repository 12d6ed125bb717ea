import { HEADER_NAME, HEADER_VALUE } from "./header-rules.js";
import { SEVERITIES, type Severity, severityForStatus, statusForSeverity } from "./severity.js";

/** A JSON object carried by an error as `details`. */
export type ErrorDetails = Record<string, unknown>;

/**
 * The brand set on every {@link AtomError}. It is a registered symbol, so two copies of this package (an ESM and a
 * CJS build loaded side by side) recognize each other's errors.
 * @internal
 */
export const ATOM_ERROR_BRAND: unique symbol = Symbol.for("@atom/errors.AtomError") as never;

/** Options every {@link AtomError} accepts. */
export interface AtomErrorOptions<D extends ErrorDetails = ErrorDetails> {
  /** Stable, machine-readable code such as `USER_1101` or `VALIDATION_ERROR`. */
  code: string;
  /**
   * Human-readable message, for logs. Clients see {@link AtomErrorOptions.publicMessage} (when the error is exposed).
   */
  message: string;
  /**
   * The message clients see when the error is exposed.
   * @default `message` without its leading internal tags such as `[@atom/oauth-store] [postgres] `
   */
  publicMessage?: string;
  /**
   * How bad the error is.
   * @default derived from `status`: `high` for 5xx, else `medium`; `medium` when neither is given
   */
  severity?: Severity;
  /**
   * HTTP status.
   * @default derived from `severity` (see {@link statusForSeverity})
   */
  status?: number;
  /** Structured, JSON-serializable context. Secrets are redacted when rendered. */
  details?: D;
  /** The underlying error (ES2022 `cause`). Never sent to clients. */
  cause?: unknown;
  /**
   * Whether the message and details are safe to show to clients in production.
   * @default true for statuses below 500, false otherwise
   */
  expose?: boolean;
  /** Extra response headers, such as `Retry-After`. */
  headers?: Record<string, string>;
  /**
   * Whether to record a stack trace. Collecting the frames is most of what constructing an `Error` costs, and an
   * expected client error (a 404, a failed validation) is rendered, never debugged from its stack.
   * @default true for errors the default `onError` logs (5xx, or severity `high`/`critical`), else
   * {@link AtomError.captureClientStacks}
   */
  captureStack?: boolean;
}

/** What {@link AtomError.toJSON} returns: the error's public fields, for logs. */
export interface AtomErrorJSON<D extends ErrorDetails = ErrorDetails> {
  /** The class name, e.g. `UserNotFoundError`. */
  name: string;
  /** The stable code. */
  code: string;
  /** The message. */
  message: string;
  /** The severity. */
  severity: Severity;
  /** The HTTP status. */
  status: number;
  /** The structured context. */
  details: D;
}

/**
 * The base class of every error thrown by Atom packages.
 *
 * @example
 * ```ts
 * throw new AtomError({ code: "ORDER_LOCKED", message: "Order is locked", status: 409, details: { orderId } });
 * ```
 */
export class AtomError<D extends ErrorDetails = ErrorDetails> extends Error {
  /** Stable, machine-readable code. */
  declare readonly code: string;
  /** How bad the error is. */
  declare readonly severity: Severity;
  /** HTTP status. */
  declare readonly status: number;
  /** Structured context (possibly empty). */
  declare readonly details: D;
  /** Whether the message and details are safe to show to clients in production. */
  declare readonly expose: boolean;
  /** The message clients see when the error is exposed: `message` without internal `[@scope/pkg]` tags. */
  declare readonly publicMessage: string;
  /** Extra response headers. */
  declare readonly headers: Readonly<Record<string, string>>;
  /** Marks Atom errors across copies of this package (ESM and CJS); see {@link isAtomError}. */
  declare readonly [ATOM_ERROR_BRAND]: true;

  /**
   * Record stacks for client errors too (4xx of severity `medium`, `low` or `info`), for debugging. Set it once at
   * startup; it applies to this copy of the package.
   * @default false
   */
  static captureClientStacks = false;

  /**
   * @throws AtomError `INVALID_ERROR_OPTIONS` (500) naming the field when an option is not what its type says: an
   * empty or non-ASCII code, a status outside 200-599, an unknown severity, headers Node could not send...
   */
  constructor(options: AtomErrorOptions<D>) {
    assertErrorOptions(options);
    const severity =
      options.severity ?? (options.status === undefined ? "medium" : severityForStatus(options.status));
    const status = options.status ?? statusForSeverity(severity);
    const capture =
      options.captureStack ??
      (status >= 500 || severity === "critical" || severity === "high" || AtomError.captureClientStacks);
    // Error.stackTraceLimit is read while the frames are collected, inside super(); it is restored right after.
    const limit = capture ? 0 : Error.stackTraceLimit;
    if (!capture) Error.stackTraceLimit = 0;
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    if (!capture) Error.stackTraceLimit = limit;
    this.name = new.target.name;
    this.code = options.code;
    this.severity = severity;
    this.status = status;
    this.details = options.details ?? ({} as D);
    this.expose = options.expose ?? this.status < 500;
    this.publicMessage = options.publicMessage ?? withoutTags(options.message);
    this.headers = options.headers ?? NO_HEADERS;
  }

  /** A plain object with the error's public fields, for logs. */
  toJSON(): AtomErrorJSON<D> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      severity: this.severity,
      status: this.status,
      details: this.details,
    };
  }
}

// Bundlers rename a class that refers to itself (`_AtomError`); `name` is what logs and `toJSON` show.
Object.defineProperty(AtomError, "name", { value: "AtomError" });

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

const CODE = /^[\x21-\x7e]{1,100}$/;

/** An object literal (or `Object.create(null)`): not an array, a Date, a Map or a class instance. @internal */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  try {
    const prototype: unknown = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
  } catch {
    // A Proxy whose getPrototypeOf trap throws.
    return false;
  }
}

/** The first option that is not what its type says, as `[field, why]`. */
function invalidOption(options: AtomErrorOptions): [string, string] | undefined {
  if (typeof options !== "object" || options === null) return ["options", "must be an object"];
  const { code, message, publicMessage, status, severity, details, expose, headers, captureStack } = options;
  if (typeof code !== "string" || !CODE.test(code)) return ["code", "must be 1-100 visible ASCII characters"];
  if (typeof message !== "string") return ["message", "must be a string"];
  if (publicMessage !== undefined && typeof publicMessage !== "string") return ["publicMessage", "must be a string"];
  if (status !== undefined && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
    return ["status", "must be an integer from 200 to 599"];
  }
  if (severity !== undefined && !SEVERITIES.includes(severity)) return ["severity", `must be one of ${SEVERITIES.join(", ")}`];
  if (details !== undefined && !isPlainObject(details)) return ["details", "must be a plain object"];
  if (expose !== undefined && typeof expose !== "boolean") return ["expose", "must be a boolean"];
  if (captureStack !== undefined && typeof captureStack !== "boolean") return ["captureStack", "must be a boolean"];
  if (headers !== undefined) {
    if (typeof headers !== "object" || headers === null) return ["headers", "must be an object"];
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (!HEADER_NAME.test(name) || typeof value !== "string" || !HEADER_VALUE.test(value)) {
        return ["headers", "names must be HTTP tokens and values strings without control characters"];
      }
    }
  }
  return undefined;
}

/**
 * The `INVALID_ERROR_OPTIONS` error (500, `critical`) for `subject` (what was invalid) at `field`: a bad error
 * definition is a programming error, caught where the error is made rather than when a host fails to send it.
 * @internal
 */
export function invalidOptionsError(subject: string, field: string, why: string): AtomError {
  return new AtomError({
    code: "INVALID_ERROR_OPTIONS",
    status: 500,
    severity: "critical",
    message: `[@atom/errors] ${subject} invalid at "${field}": ${why}`,
    details: { field },
  });
}

/** Throws {@link invalidOptionsError} for the first option of `options` that is not what its type says. @internal */
export function assertErrorOptions(options: AtomErrorOptions, subject = "AtomError options are"): void {
  const problem = invalidOption(options);
  if (problem) throw invalidOptionsError(subject, ...problem);
}

const LEADING_TAGS = /^(?:\[[^\]\n]{1,100}\]\s*)+/;

/** `[@atom/oauth-store] [postgres] state must be...` → `state must be...`: package tags are for logs, not clients. */
function withoutTags(message: string): string {
  return message.charCodeAt(0) === 91 ? message.replace(LEADING_TAGS, "") || message : message;
}

// The brand lives on the prototype: instances inherit it for free, and it stays non-enumerable.
Object.defineProperty(AtomError.prototype, ATOM_ERROR_BRAND, { value: true, enumerable: false });

/**
 * True when `value` is an {@link AtomError}, from this copy of the package or any other (ESM and CJS builds loaded
 * together). Prefer it to `instanceof`.
 * @param code when given, also requires this code
 */
export function isAtomError(value: unknown, code?: string): value is AtomError {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<symbol, unknown>)[ATOM_ERROR_BRAND] !== true) return false;
  return code === undefined || (value as AtomError).code === code;
}
