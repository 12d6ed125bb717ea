import type { AtomError } from "./atom-error.js";
import { errorFromHttpStatus } from "./http-status.js";
import { HEADER_NAME, HEADER_VALUE } from "./header-rules.js";
import { readProperty } from "./read-property.js";

/** Headers that describe the other library's body, which is replaced by the envelope, or the connection. */
const DROPPED = new Set(["content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"]);

/**
 * What a plain `headers` property may pass on: the headers an error response needs. Such a property is what
 * http-errors sets, but also what an HTTP client's error carries for the *upstream* response (undici's
 * `ResponseStatusCodeError`), whose `set-cookie` or CORS headers must never reach this server's client.
 */
const ERROR_HEADERS = new Set(["www-authenticate", "proxy-authenticate", "retry-after", "allow", "accept-patch", "accept-post"]);

function addHeader(out: Record<string, string> | undefined, name: unknown, value: unknown, only?: Set<string>): Record<string, string> | undefined {
  if (typeof name !== "string" || !HEADER_NAME.test(name)) return out;
  const key = name.toLowerCase();
  if (DROPPED.has(key) || (only !== undefined && !only.has(key))) return out;
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  // A CR, LF or NUL would make Node throw while writing the response; such a header is dropped, not sent.
  if (typeof text !== "string" || !HEADER_VALUE.test(text)) return out;
  const headers = out ?? {};
  headers[key] = text;
  return headers;
}

/**
 * The response headers another library's error asks for: Boom's `output.headers` and the headers of Hono's
 * `HTTPException` response (`res`) as they are; of a plain `headers` property (http-errors), only those an error
 * response needs (`WWW-Authenticate`, `Retry-After`, `Allow`...). Body headers (`content-type`...) are dropped since
 * the envelope replaces the body; names that are not HTTP tokens and values with control characters are dropped too.
 */
function headersOf(error: object, boom: BoomOutput): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  const source = boom === NOT_BOOM ? readProperty(error, "headers") : boom && readProperty(boom, "headers");
  // Boom's `output.headers` are always this response's; a plain `headers` property may be an upstream response's.
  const only = boom === NOT_BOOM ? ERROR_HEADERS : undefined;
  if (typeof source === "object" && source !== null) {
    for (const name of Object.keys(source)) out = addHeader(out, name, (source as Record<string, unknown>)[name], only);
  }
  const res = readProperty(error, "res");
  const fetchHeaders = typeof res === "object" && res !== null ? readProperty(res, "headers") : undefined;
  if (typeof fetchHeaders === "object" && fetchHeaders !== null && typeof readProperty(fetchHeaders, "forEach") === "function") {
    (fetchHeaders as Headers).forEach((value, name) => {
      out = addHeader(out, name, value);
    });
  }
  return out;
}

const NOT_BOOM = Symbol("not Boom");
/** Boom's `output` (its status and headers live there), `undefined` for a Boom without one, or {@link NOT_BOOM}. */
type BoomOutput = object | undefined | typeof NOT_BOOM;

function boomOutput(error: object): BoomOutput {
  if (readProperty(error, "isBoom") !== true) return NOT_BOOM;
  const output = readProperty(error, "output");
  return typeof output === "object" && output !== null ? output : undefined;
}

function statusOf(error: object, boom: BoomOutput): number | undefined {
  const boomStatus = typeof boom === "object" ? readProperty(boom, "statusCode") : undefined;
  let status = typeof boomStatus === "number" ? boomStatus : readProperty(error, "status");
  if (typeof status !== "number") status = readProperty(error, "statusCode");
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}

/**
 * Converts an HTTP error of another library (http-errors, Boom, Hono's `HTTPException`, or any error carrying a
 * 4xx/5xx `status`/`statusCode`) into an {@link AtomError} with the same status, its message when it is a client
 * error the library exposes, and the headers it asks for (`WWW-Authenticate`, `Retry-After`...).
 * Returns `undefined` for anything without such a status.
 */
export function fromHttpError(error: object): AtomError | undefined {
  const boom = boomOutput(error);
  const status = statusOf(error, boom);
  if (status === undefined) return undefined;
  const exposed = status < 500 && readProperty(error, "expose") !== false;
  const message = exposed ? readProperty(error, "message") : undefined;
  return errorFromHttpStatus(status, typeof message === "string" ? message : undefined, error, headersOf(error, boom));
}
