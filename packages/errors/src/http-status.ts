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

const PHRASES: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The standard reason phrase of an HTTP status (`404` → `Not Found`). */
export function statusPhrase(status: number): string {
  return PHRASES[status] ?? (status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Error");
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
