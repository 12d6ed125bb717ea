/**
 * Express glue for `@atom/errors`: an error middleware and a not-found handler that render every error in the
 * Atom envelope, and turn body-parser's invalid JSON into `INVALID_JSON` (400).
 *
 * @example
 * ```ts
 * import express from "express";
 * import { errorHandler, notFoundHandler } from "@atom/errors/express";
 *
 * const app = express();
 * app.use(express.json());
 * app.get("/users/:id", () => { throw new UserNotFoundError({ userId: "abc123" }); });
 * app.use(notFoundHandler());
 * app.use(errorHandler({ production: process.env.NODE_ENV !== "development" }));
 * ```
 * @packageDocumentation
 */
import { InvalidJsonError, NotFoundError, PayloadTooLargeError } from "./builtins.js";
import { closesConnection } from "./connection.js";
import { readProperty } from "./read-property.js";
import { createHostRenderer, type ErrorHandlerOptions, type RenderContext } from "./error-handler.js";
import { BODY_HEADERS } from "./header-rules.js";
import { functionOption } from "./options.js";
import { pathOf } from "./request-path.js";
import type { ErrorMapper } from "./normalize.js";

/** The parts of an Express request this module reads. */
export interface ExpressRequestLike {
  /** HTTP method. */
  method: string;
  /** The URL before mounting (Express), preferred over `url`. */
  originalUrl?: string;
  /** The request URL. */
  url: string;
  /** Request headers, lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** Node's `IncomingMessage.httpVersionMajor`; a `413` on HTTP/1.x closes the connection. */
  httpVersionMajor?: number;
}

/** The parts of an Express response this module writes. */
export interface ExpressResponseLike {
  /** True once the response has started; the handler then hands the error to Express. */
  headersSent: boolean;
  /** Sets the status. */
  status(code: number): unknown;
  /** Sets a header. */
  setHeader(name: string, value: string): unknown;
  /** Whether a header is set. */
  hasHeader(name: string): boolean;
  /** Removes a header set earlier (a body header of the route that failed). */
  removeHeader(name: string): unknown;
  /** Sends the body and ends the response. */
  end(body: string): unknown;
}

/** Express's `next`. */
export type NextFunctionLike = (error?: unknown) => void;

/** body-parser errors: malformed JSON and oversized bodies. */
const bodyParserMapper: ErrorMapper = (error) => {
  const type = typeof error === "object" && error !== null ? readProperty(error, "type") : undefined;
  if (type === "entity.parse.failed") return new InvalidJsonError({ cause: error });
  if (type === "entity.too.large") return new PayloadTooLargeError({ cause: error });
  return undefined;
};

/** Options of the Express handlers. */
export interface ExpressErrorHandlerOptions<Req extends ExpressRequestLike = ExpressRequestLike>
  extends ErrorHandlerOptions {
  /**
   * Reads the id your app's middleware gave the request (`(req) => req.id`), so the envelope and your logs agree.
   * @default none: the incoming `x-request-id` when safe, else a new UUID
   */
  requestId?: (req: Req) => unknown;
}

const expressShape = { requestId: functionOption };

/** Your `requestId` callback's answer; `undefined` when it throws (the request may not have reached your middleware). */
function frameworkId<Req extends ExpressRequestLike>(req: Req, options: ExpressErrorHandlerOptions<Req>): unknown {
  try {
    return options.requestId?.(req);
  } catch {
    return undefined;
  }
}

function contextOf<Req extends ExpressRequestLike>(req: Req, options: ExpressErrorHandlerOptions<Req>): RenderContext {
  return {
    requestId: frameworkId(req, options),
    requestIdHeader: req.headers["x-request-id"],
    accept: req.headers.accept,
    method: req.method,
    path: pathOf(req.originalUrl ?? req.url),
  };
}

function send(
  req: ExpressRequestLike,
  res: ExpressResponseLike,
  status: number,
  headers: Record<string, string>,
  text: string,
): void {
  res.status(status);
  // Only headers that are set: Node stops framing the body itself once `content-length` or `transfer-encoding` was
  // removed, so the length is set explicitly (which also replaces a stale one).
  for (const name of BODY_HEADERS) if (res.hasHeader(name)) res.removeHeader(name);
  res.setHeader("content-length", String(Buffer.byteLength(text)));
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (closesConnection(status, req.httpVersionMajor)) res.setHeader("connection", "close");
  res.end(text);
}

/**
 * Error middleware (register it last). Renders any error in the Atom envelope, or problem+json when the client
 * asks for it. Delegates to Express's default handler when headers were already sent.
 */
export function errorHandler<Req extends ExpressRequestLike = ExpressRequestLike>(
  options: ExpressErrorHandlerOptions<Req> = {},
) {
  const renderer = createHostRenderer(options, [bodyParserMapper], "[@atom/errors/express] errorHandler", expressShape);
  return function atomErrorHandler(
    error: unknown,
    req: Req,
    res: ExpressResponseLike,
    next: NextFunctionLike,
  ): void {
    if (res.headersSent) return next(error);
    const { status, headers, text } = renderer.renderText(error, contextOf(req, options));
    send(req, res, status, headers, text);
  };
}

/** Handler for unmatched routes (register after all routes): `NOT_FOUND` (404) in the envelope. */
export function notFoundHandler<Req extends ExpressRequestLike = ExpressRequestLike>(
  options: ExpressErrorHandlerOptions<Req> = {},
) {
  const renderer = createHostRenderer(options, [], "[@atom/errors/express] notFoundHandler", expressShape);
  return function atomNotFound(req: Req, res: ExpressResponseLike): void {
    const context = contextOf(req, options);
    const error = new NotFoundError({ message: `Route ${req.method} ${context.path} not found` });
    const { status, headers, text } = renderer.renderText(error, context);
    send(req, res, status, headers, text);
  };
}

export type { ErrorHandlerOptions, ErrorLogger } from "./error-handler.js";
