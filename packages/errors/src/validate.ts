import type { z } from "zod";
import { ValidationError } from "./builtins.js";
import { validationErrorFromZod } from "./zod-issues.js";

/**
 * Parses `input` with `schema` and returns the result, or throws a `VALIDATION_ERROR` naming the field.
 * The boundary check every Atom package uses on its public functions. Input that throws while it is read (a getter
 * or a Proxy trap that throws) is refused the same way, never with the raw error.
 *
 * @param context names the package and function, e.g. `[@atom/ledger] post`
 * @throws {ValidationError} when the input does not match
 * @example const opts = parseInput(optionsSchema, raw, "[@atom/oauth-store] createState");
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, context: string): z.output<S> {
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input);
  } catch (error) {
    throw new ValidationError({
      message: `${context}: the input could not be read (a getter or Proxy trap threw)`,
      publicMessage: "The input could not be read",
      cause: error,
    });
  }
  if (!result.success) throw validationErrorFromZod(result.error, { context });
  return result.data;
}
