/**
 * Hono glue for `@atom/errors`: `onError` and `notFound` handlers that render the Atom envelope (Hono's
 * `HTTPException` keeps its status), an `errorBoundary()` middleware so that thrown non-`Error` values (strings,
 * `null`) reach `onError` too, and `jsonBody(c)` that turns a malformed body into `INVALID_JSON` (400).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { errorHandler, notFoundHandler, jsonBody } from "@atom/errors/hono";
 *
 * const app = new Hono();
 * app.use(errorBoundary());
 * app.post("/users", async (c) => c.json(await createUser(await jsonBody(c)), 201));
 * app.notFound(notFoundHandler());
 * app.onError(errorHandler({ production: process.env.NODE_ENV !== "development" }));
 * ```
 * @packageDocumentation
 */
import type { Context, MiddlewareHandler } from "hono";
import { InternalError, InvalidJsonError, NotFoundError } from "./builtins.js";
import { closesConnection } from "./connection.js";
import { createHostRenderer, type ErrorHandlerOptions, type ErrorRenderer } from "./error-handler.js";
import { pathOf } from "./request-path.js";

/**
 * The request's path as the client sent it (percent-encoded), as the other hosts report it: `c.req.path` is decoded,
 * so `%0D%0A` would reach the problem's `instance` as a CR LF. `url` is absolute: the path starts after the host.
 */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start === -1 ? "/" : pathOf(url.slice(start));
}

function respond(renderer: ErrorRenderer, error: unknown, c: Context): Response {
  const { status, headers, text } = renderer.renderText(error, {
    requestIdHeader: c.req.header("x-request-id"),
    accept: c.req.header("accept"),
    method: c.req.method,
    path: rawPath(c.req.url),
    requestId: c.get("requestId" as never),
  });
  const incoming = (c.env as { incoming?: { httpVersionMajor?: unknown } } | undefined)?.incoming;
  const major = typeof incoming?.httpVersionMajor === "number" ? incoming.httpVersionMajor : undefined;
  if (closesConnection(status, major)) headers.connection = "close";
  return new Response(text, { status, headers });
}

/** `app.onError(errorHandler(options))`. */
export function errorHandler(options: ErrorHandlerOptions = {}): (error: Error, c: Context) => Response {
  const renderer = createHostRenderer(options, [], "[@atom/errors/hono] errorHandler");
  return (error, c) => respond(renderer, error, c);
}

/** `app.notFound(notFoundHandler(options))`: `NOT_FOUND` (404) in the envelope. */
export function notFoundHandler(options: ErrorHandlerOptions = {}): (c: Context) => Response {
  const renderer = createHostRenderer(options, [], "[@atom/errors/hono] notFoundHandler");
  return (c) => respond(renderer, new NotFoundError({ message: `Route ${c.req.method} ${rawPath(c.req.url)} not found` }), c);
}

/**
 * Middleware (register first) that wraps thrown values that are not `Error`s (strings, `null`, plain objects) in an
 * `INTERNAL_ERROR`. Hono passes only `Error` instances to `onError`; without this, `throw "x"` ends as an empty 500.
 */
export function errorBoundary(): MiddlewareHandler {
  // Hono's compose already hands `Error`s to onError, so `next()` only rejects with what it could not; a plain
  // `.catch` costs a request less than an async function awaiting `next()`.
  return function atomErrorBoundary(_c, next) {
    return next().catch(wrapThrown);
  };
}

function wrapThrown(error: unknown): never {
  throw error instanceof Error ? error : new InternalError({ cause: error });
}

/**
 * Reads the request body as JSON. A malformed body throws `INVALID_JSON` (400) instead of a bare `SyntaxError`
 * (which would render as a 500).
 * @throws {InvalidJsonError}
 */
export async function jsonBody<T = unknown>(c: Context): Promise<T> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new InvalidJsonError({ cause: error });
  }
}

export type { ErrorHandlerOptions, ErrorLogger } from "./error-handler.js";
