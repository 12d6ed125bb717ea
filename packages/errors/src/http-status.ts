import { STATUS_CODES } from "node:http";
import { AtomError } from "./atom-error.js";

const CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  406: "NOT_ACCEPTABLE",
  408: "REQUEST_TIMEOUT",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_ENTITY",
  429: "RATE_LIMITED",
  500: "INTERNAL_ERROR",
  501: "NOT_IMPLEMENTED",
  502: "EXTERNAL_SERVICE_ERROR",
  503: "SERVICE_UNAVAILABLE",
  504: "TIMEOUT",
};

/**
 * The standard reason phrase of an HTTP status, as `node:http` names it (`404` → `Not Found`, `202` → `Accepted`);
 * `Client Error`, `Server Error` or `Error` for a status it does not know.
 */
export function statusPhrase(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 && status <= 599 ? "Server Error" : status >= 400 && status <= 499 ? "Client Error" : "Error");
}

/** The message clients see for a 5xx error that is not exposed. */
export function genericMessage(status: number): string {
  if (status === 503) return "Service temporarily unavailable";
  if (status === 502) return "An upstream service failed";
  if (status === 504) return "The operation timed out";
  return "An internal error occurred";
}

/**
 * Builds an {@link AtomError} for an HTTP status thrown by a framework or another error library (http-errors,
 * Boom, Hono's `HTTPException`): `404` → `NOT_FOUND`, `429` → `RATE_LIMITED`, unlisted → `HTTP_<status>`.
 * @param headers response headers the error asks for, such as `retry-after`
 */
export function errorFromHttpStatus(
  status: number,
  message: string | undefined,
  cause: unknown,
  headers?: Record<string, string>,
): AtomError {
  const valid = Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
  const expose = valid < 500;
  return new AtomError({
    code: CODES[valid] ?? `HTTP_${valid}`,
    status: valid,
    message: expose && message ? message : statusPhrase(valid),
    cause,
    ...(headers === undefined ? {} : { headers }),
  });
}
