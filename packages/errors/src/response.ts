import type { AtomError } from "./atom-error.js";
import { genericMessage, statusPhrase } from "./http-status.js";
import { type ErrorMapper, toAtomError } from "./normalize.js";
import { DEFAULT_REDACT_PATTERN, flatSafeJson, toSafeJson } from "./redact.js";
import { REQUEST_ID_HEADER, resolveRequestId } from "./request-id.js";
import type { Severity } from "./severity.js";

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

function describe(value: unknown, redact: RegExp): Record<string, unknown> {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack ?? "" };
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

const EMPTY: Record<string, unknown> = {};

function responseHeaders(own: Readonly<Record<string, string>>, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in own) headers[name.toLowerCase()] = own[name] as string;
  headers["cache-control"] = "no-store";
  headers[REQUEST_ID_HEADER] = requestId;
  return headers;
}

function visibleDetails(atom: AtomError, production: boolean, redact: RegExp): Record<string, unknown> {
  let details: Record<string, unknown> = EMPTY;
  for (const _ in atom.details) {
    details = flatSafeJson(atom.details, redact) ?? (toSafeJson(atom.details, redact) as Record<string, unknown>);
    break;
  }
  if (!production && !atom.expose) details = { ...details, cause: describe(atom.cause ?? atom, redact) };
  return details;
}

/**
 * Whether production mode (the safe body) is on by default: always, unless `NODE_ENV` is exactly `development`.
 * Development detail (stacks, causes, 5xx messages) is an explicit opt-in, never the result of a missing variable.
 */
export function isProduction(): boolean {
  return typeof process === "undefined" || process.env.NODE_ENV !== "development";
}

/**
 * Renders anything thrown as an HTTP response in the Atom envelope (or RFC 9457 problem+json).
 * Never throws: circular or BigInt details, `null`, strings and foreign errors all render.
 *
 * @example
 * ```ts
 * const { status, headers, body } = toErrorResponse(new UserNotFoundError({ userId: "abc123" }), { requestId: "r1" });
 * // 404, { success: false, error_code: "USER_1101", message: "User not found (ID: abc123)", ... }
 * ```
 */
export function toErrorResponse(error: unknown, options: ToErrorResponseOptions = {}): ErrorResponse {
  const atom: AtomError = toAtomError(error, options.mappers);
  return renderAtomError(atom, options);
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
  const production = options.production ?? isProduction();
  const redact = options.redact ?? DEFAULT_REDACT_PATTERN;
  const visible = atom.expose || !production;
  const details = visible ? visibleDetails(atom, production, redact) : EMPTY;
  const message = visible ? (atom.publicMessage ?? atom.message) : genericMessage(atom.status);
  const timestamp = options.now ? options.now().toISOString() : isoNow();
  let hasDetails = false;
  for (const _ in details) {
    hasDetails = true;
    break;
  }
  const headers = responseHeaders(atom.headers, requestId);
  if (format === "problem") {
    headers["content-type"] = "application/problem+json; charset=utf-8";
    const body: ProblemDetails = {
      type: options.problemTypeBase ? `${options.problemTypeBase}${atom.code}` : "about:blank",
      title: statusPhrase(atom.status),
      status: atom.status,
      detail: message,
      ...(instance === undefined ? {} : { instance }),
      error_code: atom.code,
      severity: atom.severity,
      ...(hasDetails ? { details } : {}),
      timestamp,
      request_id: requestId,
    };
    return { status: atom.status, headers, body };
  }
  headers["content-type"] = "application/json; charset=utf-8";
  // Two literals rather than a spread of `{ details }`: the envelope is built on every error response, and the spread
  // allocates and copies an object to keep the key order.
  const body: ErrorEnvelope = hasDetails
    ? { success: false, error_code: atom.code, message, severity: atom.severity, details, timestamp, request_id: requestId }
    : { success: false, error_code: atom.code, message, severity: atom.severity, timestamp, request_id: requestId };
  return { status: atom.status, headers, body };
}

/**
 * Picks the format an `Accept` header asks for: `problem` when `application/problem+json` is acceptable and ranked
 * at least as high as `application/json`, else `envelope`.
 */
export function negotiateFormat(accept: string | null | undefined): ErrorFormat {
  if (!accept) return "envelope";
  let problem = -1;
  let json = -1;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q ? Number.parseFloat(q.slice(2)) : 1;
    const value = Number.isFinite(weight) ? weight : 0;
    if (type.trim() === "application/problem+json") problem = Math.max(problem, value);
    if (type.trim() === "application/json") json = Math.max(json, value);
  }
  return problem > 0 && problem >= json ? "problem" : "envelope";
}

const quote = JSON.stringify;

/** JSON strings of the values that repeat from one error body to the next (codes, severities), quoted once. */
const quotedValues = new Map<string, string>();
const QUOTED_VALUES_MAX = 256;
let lastTimestamp = "";
let lastTimestampJson = '""';

function quoteRepeated(value: string): string {
  let json = quotedValues.get(value);
  if (json === undefined) {
    json = quote(value);
    if (quotedValues.size < QUOTED_VALUES_MAX) quotedValues.set(value, json);
  }
  return json;
}

/**
 * @internal `JSON.stringify(body)`, byte for byte, written out for the envelope's fixed keys: half the cost of
 * walking the object generically, on the path every error response takes. Codes and severities repeat, and the
 * timestamp changes once a millisecond, so their JSON is reused.
 */
export function serializeErrorBody(body: ErrorEnvelope | ProblemDetails): string {
  if (!("success" in body)) return JSON.stringify(body);
  const details = body.details === undefined ? "" : `,"details":${quote(body.details)}`;
  if (body.timestamp !== lastTimestamp) {
    lastTimestamp = body.timestamp;
    lastTimestampJson = quote(body.timestamp);
  }
  return (
    `{"success":false,"error_code":${quoteRepeated(body.error_code)},"message":${quote(body.message)},` +
    `"severity":${quoteRepeated(body.severity)}${details},"timestamp":${lastTimestampJson},"request_id":${quote(body.request_id)}}`
  );
}
