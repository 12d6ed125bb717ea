import { validationErrorFromZod } from "@atom/errors";
import type { z } from "zod";

/**
 * Parses one positional argument and names it in `details.field` (`userId`, `options.provider`) when it is wrong.
 * Cheaper than wrapping the arguments in an object schema, which matters on the hot `getTokens` path.
 * @internal
 */
export function parseArgument<S extends z.ZodType>(schema: S, value: unknown, field: string, context: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationErrorFromZod(result.error, { context, at: field });
  return result.data;
}
