import { type AtomError, isPlainObject } from "./atom-error.js";
import { genericMessage, statusPhrase } from "./http-status.js";
import { InternalError } from "./builtins.js";
import { type ErrorMapper, toAtomError } from "./normalize.js";
import { HEADER_NAME, HEADER_VALUE } from "./header-rules.js";
import { jsonString } from "./json-text.js";
import { responseOptionsSchema } from "./options.js";
import { DEFAULT_REDACT_PATTERN, flatDetailsJson, toSafeJson } from "./redact.js";
import { REQUEST_ID_HEADER, resolveRequestId } from "./request-id.js";
import { SEVERITIES, type Severity } from "./severity.js";
import { parseInput } from "./validate.js";

/** The one JSON error body every Atom host returns. `details` is omitted when empty. */
export interface ErrorEnvelope {
  /** Always `false` for an error. */
  success: false;
  /** The stable code, e.g. `USER_1101`. */
  error_code: string;
  /** A human-readable sentence; generic for unexposed errors in production. */
  message: string;
  /** How serious the error is. */
  severity: Severity;
  /** Structured context; omitted when empty or hidden in production. */
  details?: Record<string, unknown>;
  /** ISO-8601 UTC. */
  timestamp: string;
  /** The request's id, also in the `x-request-id` header. */
  request_id: string;
}

/** RFC 9457 `application/problem+json`, with the envelope's fields as extension members. */
export interface ProblemDetails {
  /** A URI for the problem type (`about:blank` unless `problemTypeBase` is set). */
  type: string;
  /** The HTTP status phrase. */
  title: string;
  /** The HTTP status. */
  status: number;
  /** The envelope's `message`. */
  detail: string;
  /** The occurrence: the request's path, when known (RFC 9457 §3.1.5). */
  instance?: string;
  /** The stable code, as in the envelope. */
  error_code: string;
  /** How serious the error is. */
  severity: Severity;
  /** Structured context, as in the envelope. */
  details?: Record<string, unknown>;
  /** ISO-8601 UTC. */
  timestamp: string;
  /** The request's id. */
  request_id: string;
}

/** `envelope` (the default) or RFC 9457 `problem`. */
export type ErrorFormat = "envelope" | "problem";

/** Options of {@link toErrorResponse}. */
export interface ToErrorResponseOptions {
  /** The request id to put in the body and `x-request-id` header. @default a new UUID */
  requestId?: string;
  /**
   * Production mode (the safe body) hides the message and details of errors that are not `expose`d (all 5xx by
   * default) and never includes stacks. `false` adds them, with the cause's stack, for development.
   * @default process.env.NODE_ENV !== "development"
   */
  production?: boolean;
  /** Body format. @default "envelope" */
  format?: ErrorFormat;
  /** Base URI for problem `type` (`https://errors.example.com/` + code). @default "about:blank" */
  problemTypeBase?: string;
  /** The problem's `instance`: a URI reference of this occurrence. The hosts pass the request's path. */
  instance?: string;
  /** Keys whose values are redacted from details. @default {@link DEFAULT_REDACT_PATTERN} */
  redact?: RegExp;
  /** Host-specific conversions tried before the built-in ones. */
  mappers?: readonly ErrorMapper[];
  /** Clock for `timestamp`. @default () => new Date() */
  now?: () => Date;
}

/** A rendered error: what a host sends. */
export interface ErrorResponse<B = ErrorEnvelope | ProblemDetails> {
  /** The HTTP status to send. */
  status: number;
  /** Headers to send: content type, `x-request-id`, and the error's own (such as `retry-after`). */
  headers: Record<string, string>;
  /** The JSON body. */
  body: B;
}

/** A rendered error with its body already written as JSON text: what a host sends. */
export interface RenderedError {
  /** The HTTP status to send. */
  status: number;
  /** Headers to send, `content-type` included. */
  headers: Record<string, string>;
  /** The body: `JSON.stringify` of the envelope or problem document, byte for byte. */
  text: string;
}

/** The development description of a cause: an error's name, message and stack, or the value as safe JSON. */
function describe(value: unknown, redact: RegExp): Record<string, unknown> {
  try {
    if (value instanceof Error) return toSafeJson({ name: value.name, message: value.message, stack: value.stack ?? "" }, redact) as Record<string, unknown>;
  } catch {
    // A getter or Proxy trap that throws: described as unreadable below.
  }
  return { value: toSafeJson(value, redact) ?? null };
}

let lastMillis = Number.NaN;
let lastIso = "";

/** `new Date().toISOString()`, formatted once per millisecond however many errors render in it. */
function isoNow(): string {
  const millis = Date.now();
  if (millis !== lastMillis) {
    lastMillis = millis;
    lastIso = new Date(millis).toISOString();
  }
  return lastIso;
}

/** The `now` option's time; the current time when it throws or gives no valid date, so a bad clock never costs the response. */
function clockTime(now: () => Date): string {
  try {
    return now().toISOString();
  } catch {
    return isoNow();
  }
}

const EMPTY: Record<string, unknown> = {};

function responseHeaders(own: Readonly<Record<string, string>>, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in own) {
    const value = own[name];
    // Checked when the error was made; one changed since (or from another copy of this package) is dropped, since
    // Node would throw while sending it.
    if (HEADER_NAME.test(name) && typeof value === "string" && HEADER_VALUE.test(value)) headers[name.toLowerCase()] = value;
  }
  headers["cache-control"] = "no-store";
  headers[REQUEST_ID_HEADER] = requestId;
  return headers;
}

/**
 * The details a client may see, given `flat`, the verdict of {@link flatDetailsJson} on them: the details themselves
 * when flat, the walked copy otherwise, and in development the cause of an unexposed error.
 */
function visibleDetails(atom: AtomError, production: boolean, redact: RegExp, flat: string | undefined): Record<string, unknown> {
  let details = flat === "" ? EMPTY : flat === undefined ? walkedDetails(atom.details, redact) : atom.details;
  if (!production && !atom.expose) details = { ...details, cause: describe(atom.cause ?? atom, redact) };
  return details;
}

/** `details` walked into safe JSON; none when that is not an object (details replaced since the error was made). */
function walkedDetails(details: unknown, redact: RegExp): Record<string, unknown> {
  const walked = toSafeJson(details, redact);
  return isPlainObject(walked) ? walked : EMPTY;
}

/** The JSON text of the details a client may see, `""` when there are none. Flat details are written in one pass. */
function visibleDetailsJson(atom: AtomError, production: boolean, redact: RegExp): string {
  const flat = flatDetailsJson(atom.details, redact);
  if (flat !== undefined && (production || atom.expose)) return flat;
  const details = visibleDetails(atom, production, redact, flat);
  for (const _ in details) return JSON.stringify(details);
  return "";
}

/** The message an exposed error shows clients; a non-string (set since the error was made) is not rendered. */
function clientMessage(atom: AtomError): string {
  const message: unknown = atom.publicMessage ?? atom.message;
  if (typeof message !== "string") throw new TypeError("not a renderable AtomError");
  return message;
}

/** What every rendering of an error shares: the message and details clients may see, the time and the headers. */
interface PublicParts {
  /** The error's status, or 500 if it is not one Node can send as an error (changed since the error was made). */
  status: number;
  production: boolean;
  redact: RegExp;
  visible: boolean;
  message: string;
  timestamp: string;
  headers: Record<string, string>;
}

function publicParts(atom: AtomError, options: ToErrorResponseOptions, requestId: string, contentType: string): PublicParts {
  // Checked when the error was made; an error changed since into something the envelope cannot carry is not
  // rendered: the caller's fallback sends a plain 500 instead of a body that is not an envelope.
  if (typeof atom.code !== "string" || !SEVERITIES.includes(atom.severity)) throw new TypeError("not a renderable AtomError");
  const production = options.production ?? isProduction();
  const sendable = Number.isInteger(atom.status) && atom.status >= 200 && atom.status <= 599;
  const status = sendable ? atom.status : 500;
  const visible = sendable && (atom.expose || !production);
  const headers = responseHeaders(atom.headers, requestId);
  headers["content-type"] = contentType;
  return {
    status,
    production,
    redact: options.redact ?? DEFAULT_REDACT_PATTERN,
    visible,
    message: visible ? clientMessage(atom) : genericMessage(status),
    timestamp: options.now ? clockTime(options.now) : isoNow(),
    headers,
  };
}

const JSON_TYPE = "application/json; charset=utf-8";
const PROBLEM_MENTIONED = /application\/problem\+json/i;
const PROBLEM_TYPE = "application/problem+json; charset=utf-8";

/**
 * Whether production mode (the safe body) is on by default: always, unless `NODE_ENV` is exactly `development`.
 * Development detail (stacks, causes, 5xx messages) is an explicit opt-in, never the result of a missing variable.
 */
export function isProduction(): boolean {
  return typeof process === "undefined" || process.env.NODE_ENV !== "development";
}

/**
 * Renders anything thrown as an HTTP response in the Atom envelope (or RFC 9457 problem+json).
 * Never throws for what was thrown: circular or BigInt details, `null`, strings and foreign errors all render.
 * @throws {ValidationError} (`VALIDATION_ERROR`) naming the option when `options` has an unknown key or a value
 * that is not what its type says (a `requestId` must be 1-255 visible ASCII characters: it is sent as a header)
 *
 * @example
 * ```ts
 * const { status, headers, body } = toErrorResponse(new UserNotFoundError({ userId: "abc123" }), { requestId: "r1" });
 * // 404, { success: false, error_code: "USER_1101", message: "User not found (ID: abc123)", ... }
 * ```
 */
export function toErrorResponse(error: unknown, options: ToErrorResponseOptions = {}): ErrorResponse {
  parseInput(responseOptionsSchema, options, "[@atom/errors] toErrorResponse");
  try {
    return renderAtomError(toAtomError(error, options.mappers), options);
  } catch {
    // The last line of defence, as in the hosts' renderers.
    return renderAtomError(new InternalError(), { ...options, format: "envelope" });
  }
}

/**
 * @internal Renders an error that is already an AtomError. The per-request values are arguments so that a host's
 * renderer passes its fixed options object as is, without copying it for every error.
 */
export function renderAtomError(
  atom: AtomError,
  options: ToErrorResponseOptions,
  requestId: string = options.requestId ?? resolveRequestId(undefined),
  format: ErrorFormat | undefined = options.format,
  instance: string | undefined = options.instance,
): ErrorResponse {
  const parts = publicParts(atom, options, requestId, format === "problem" ? PROBLEM_TYPE : JSON_TYPE);
  const { message, timestamp, headers } = parts;
  const details = parts.visible ? visibleDetails(atom, parts.production, parts.redact, flatDetailsJson(atom.details, parts.redact)) : EMPTY;
  let hasDetails = false;
  for (const _ in details) {
    hasDetails = true;
    break;
  }
  if (format === "problem") {
    const body: ProblemDetails = {
      type: options.problemTypeBase ? `${options.problemTypeBase}${atom.code}` : "about:blank",
      title: statusPhrase(parts.status),
      status: parts.status,
      detail: message,
      ...(instance === undefined ? {} : { instance }),
      error_code: atom.code,
      severity: atom.severity,
      ...(hasDetails ? { details } : {}),
      timestamp,
      request_id: requestId,
    };
    return { status: parts.status, headers, body };
  }
  const body: ErrorEnvelope = {
    success: false,
    error_code: atom.code,
    message,
    severity: atom.severity,
    ...(hasDetails ? { details } : {}),
    timestamp,
    request_id: requestId,
  };
  return { status: parts.status, headers, body };
}

/**
 * @internal {@link renderAtomError} with the body as JSON text, which is what the hosts send. The envelope is
 * written out directly, without building the body object and walking it again to serialize it: this is the path
 * every error response takes.
 */
export function renderAtomErrorText(
  atom: AtomError,
  options: ToErrorResponseOptions,
  requestId: string,
  format: ErrorFormat,
  instance: string | undefined,
): RenderedError {
  if (format === "problem") {
    const { status, headers, body } = renderAtomError(atom, options, requestId, format, instance);
    return { status, headers, text: JSON.stringify(body) };
  }
  const parts = publicParts(atom, options, requestId, JSON_TYPE);
  const details = parts.visible ? visibleDetailsJson(atom, parts.production, parts.redact) : "";
  const text =
    `{"success":false,"error_code":${jsonString(atom.code)},"message":${jsonString(parts.message)},` +
    `"severity":${jsonString(atom.severity)}${details === "" ? "" : `,"details":${details}`},` +
    `"timestamp":${jsonString(parts.timestamp)},"request_id":${jsonString(requestId)}}`;
  return { status: parts.status, headers: parts.headers, text };
}

/**
 * Picks the format an `Accept` header asks for: `problem` when `application/problem+json` is acceptable and ranked
 * at least as high as `application/json` (or a wildcard that covers it), else `envelope`.
 */
export function negotiateFormat(accept: string | null | undefined): ErrorFormat {
  // Most clients never mention problem+json: answer them without splitting the header.
  if (!accept || !PROBLEM_MENTIONED.test(accept)) return "envelope";
  let problem = -1;
  let json = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q ? Number.parseFloat(q.slice(2)) : 1;
    // RFC 9110 §12.4.2: a weight is 0 to 1; anything else is read as 0 (not acceptable), never as a preference.
    const value = Number.isFinite(weight) && weight >= 0 && weight <= 1 ? weight : 0;
    const media = type.trim();
    if (media === "application/problem+json") problem = Math.max(problem, value);
    // A wildcard accepts the envelope's application/json as much as it says.
    if (media === "application/json" || media === "*/*" || media === "application/*") json = Math.max(json, value);
  }
  return problem > 0 && problem >= json ? "problem" : "envelope";
}
