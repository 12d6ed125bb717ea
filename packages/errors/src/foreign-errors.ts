import type { AtomError } from "./atom-error.js";
import { errorFromHttpStatus } from "./http-status.js";

/** The fields of http-errors, Boom and Hono's `HTTPException` that this module reads. */
interface HttpErrorLike {
  message?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  headers?: unknown;
  isBoom?: unknown;
  output?: { statusCode?: unknown; headers?: unknown };
  res?: { headers?: unknown };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers that describe the other library's body, which is replaced by the envelope, or the connection. */
const DROPPED = new Set(["content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"]);

function addHeader(out: Record<string, string> | undefined, name: unknown, value: unknown): Record<string, string> | undefined {
  if (typeof name !== "string" || !TOKEN.test(name)) return out;
  const key = name.toLowerCase();
  if (DROPPED.has(key)) return out;
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  // A CR, LF or NUL would make Node throw while writing the response; such a header is dropped, not sent.
  if (typeof text !== "string" || !FIELD_VALUE.test(text)) return out;
  const headers = out ?? {};
  headers[key] = text;
  return headers;
}

/**
 * The response headers another library's error asks for: http-errors' `headers`, Boom's `output.headers`, or the
 * headers of Hono's `HTTPException` response (`res`). Body headers (`content-type`...) are dropped since the
 * envelope replaces the body; names that are not HTTP tokens and values with control characters are dropped too.
 */
function headersOf(error: HttpErrorLike): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  const source = error.isBoom === true ? error.output?.headers : error.headers;
  if (typeof source === "object" && source !== null) {
    for (const name of Object.keys(source)) out = addHeader(out, name, (source as Record<string, unknown>)[name]);
  }
  const fetchHeaders = error.res?.headers as { forEach?: unknown } | undefined;
  if (typeof fetchHeaders?.forEach === "function") {
    (fetchHeaders as Headers).forEach((value, name) => {
      out = addHeader(out, name, value);
    });
  }
  return out;
}

function statusOf(error: HttpErrorLike): number | undefined {
  const status =
    error.isBoom === true && typeof error.output?.statusCode === "number"
      ? error.output.statusCode
      : typeof error.status === "number"
        ? error.status
        : error.statusCode;
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}

/**
 * Converts an HTTP error of another library (http-errors, Boom, Hono's `HTTPException`, or any error carrying a
 * 4xx/5xx `status`/`statusCode`) into an {@link AtomError} with the same status, its message when it is a client
 * error the library exposes, and the headers it asks for (`WWW-Authenticate`, `Retry-After`...).
 * Returns `undefined` for anything without such a status.
 */
export function fromHttpError(error: object): AtomError | undefined {
  const e = error as HttpErrorLike;
  const status = statusOf(e);
  if (status === undefined) return undefined;
  const exposed = status < 500 && e.expose !== false;
  const message = exposed && typeof e.message === "string" ? e.message : undefined;
  return errorFromHttpStatus(status, message, error, headersOf(e));
}
