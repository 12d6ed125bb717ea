/**
 * Fastify glue for `@atom/errors`: a plugin that sets the error handler and the not-found handler, and maps
 * Fastify's own errors (invalid JSON, body too large, schema validation) into the Atom envelope.
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { atomErrors } from "@atom/errors/fastify";
 *
 * const app = Fastify();
 * await app.register(atomErrors, { production: process.env.NODE_ENV !== "development" });
 * app.get("/users/:id", async () => { throw new UserNotFoundError({ userId: "abc123" }); });
 * ```
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { InvalidJsonError, NotFoundError, PayloadTooLargeError, ValidationError } from "./builtins.js";
import { readProperty } from "./read-property.js";
import { createHostRenderer, type ErrorHandlerOptions, type ErrorRenderer } from "./error-handler.js";
import { closesConnection } from "./connection.js";
import { BODY_HEADERS } from "./header-rules.js";
import { fastifyRegisterShape } from "./options.js";
import { pathOf } from "./request-path.js";
import type { ErrorMapper } from "./normalize.js";

interface FastifyValidationItem {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: { missingProperty?: string };
}

const fastifyMapper: ErrorMapper = (error) => {
  if (typeof error !== "object" || error === null) return undefined;
  const validation = readProperty(error, "validation");
  if (Array.isArray(validation)) {
    const context = readProperty(error, "validationContext");
    const issues = (validation as FastifyValidationItem[]).map((item) => {
      const path = (item.instancePath ?? "").split("/").filter(Boolean);
      if (item.params?.missingProperty) path.push(item.params.missingProperty);
      return {
        path: [...(typeof context === "string" && context ? [context] : []), ...path],
        message: item.message ?? "is invalid",
        code: item.keyword ?? "invalid",
      };
    });
    const field = issues[0]?.path.join(".") ?? "";
    return new ValidationError({ field, issues, message: `"${field}" ${issues[0]?.message ?? "is invalid"}`, cause: error });
  }
  const code = readProperty(error, "code");
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return new PayloadTooLargeError({ cause: error });
  if (code === "FST_ERR_CTP_EMPTY_JSON_BODY" || code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return new InvalidJsonError({ cause: error });
  }
  if (error instanceof SyntaxError && readProperty(error, "statusCode") === 400) return new InvalidJsonError({ cause: error });
  return undefined;
};

// Fastify clears `content-length` (and `content-type`) itself before it calls an error handler.
const STALE_HEADERS = BODY_HEADERS.filter((name) => name !== "content-length");

function reply(renderer: ErrorRenderer, error: unknown, request: FastifyRequest, res: FastifyReply): void {
  const { status, headers, text } = renderer.renderText(error, {
    requestIdHeader: request.headers["x-request-id"],
    accept: request.headers.accept,
    method: request.method,
    path: pathOf(request.url),
    requestId: request.id,
    logger: request.log,
  });
  for (const name of STALE_HEADERS) if (res.hasHeader(name)) res.removeHeader(name);
  if (closesConnection(status, request.raw.httpVersionMajor)) headers.connection = "close";
  // Nothing is returned: Fastify would treat a returned reply as a thenable and wait on it.
  res.status(status).headers(headers).send(text);
}

/**
 * Fastify plugin: `await app.register(atomErrors, options)`. It is not encapsulated, so the handlers apply to the
 * whole instance.
 */
export function atomErrors(fastify: FastifyInstance, options: ErrorHandlerOptions, done: (err?: Error) => void): void {
  let renderer: ErrorRenderer;
  try {
    renderer = createHostRenderer(options, [fastifyMapper], "[@atom/errors/fastify] atomErrors", fastifyRegisterShape);
  } catch (error) {
    done(error as Error);
    return;
  }
  fastify.setErrorHandler((error, request, res) => reply(renderer, error, request, res));
  fastify.setNotFoundHandler((request, res) => {
    const path = pathOf(request.url);
    reply(renderer, new NotFoundError({ message: `Route ${request.method} ${path} not found` }), request, res);
  });
  done();
}

Object.assign(atomErrors, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "@atom/errors",
});

export type { ErrorHandlerOptions, ErrorLogger } from "./error-handler.js";
