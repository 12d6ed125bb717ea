import { z } from "zod";

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === "function", "must be a function");
const regexp = z.custom<RegExp>((value) => value instanceof RegExp, "must be a RegExp");
const logger = z.custom<object>(
  (value) => typeof value === "object" && value !== null && typeof (value as { error?: unknown }).error === "function",
  "must have an error(entry, message) method",
);

/** A list of error mappers. @internal */
export const mapperListSchema = z.array(fn).max(100);

/** What `toErrorResponse` and the hosts' renderers share. */
const renderShape = {
  production: z.boolean().optional(),
  problemTypeBase: z.string().max(2048).optional(),
  redact: regexp.optional(),
  mappers: mapperListSchema.optional(),
  now: fn.optional(),
};

/** The options of `createErrorRenderer` and of the Express, Fastify and Hono handlers. @internal */
export const handlerOptionsShape = {
  ...renderShape,
  format: z.enum(["envelope", "problem", "negotiate"]).optional(),
  onError: fn.optional(),
  logger: logger.optional(),
};

/** A function option, for host-specific shapes. @internal */
export const functionOption = fn.optional();

/** What Fastify itself reads from a plugin's options (`app.register(plugin, { prefix })`). @internal */
export const fastifyRegisterShape = {
  prefix: z.unknown().optional(),
  logLevel: z.unknown().optional(),
  logSerializers: z.unknown().optional(),
};

/** The options of `toErrorResponse`. @internal */
export const responseOptionsSchema = z
  .object({
    ...renderShape,
    format: z.enum(["envelope", "problem"]).optional(),
    requestId: z.string().regex(/^[\x21-\x7e]{1,255}$/, "must be 1-255 visible ASCII characters").optional(),
    instance: z.string().max(2048).optional(),
  })
  .strict();
