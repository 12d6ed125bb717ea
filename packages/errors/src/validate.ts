import type { z } from "zod";
import { validationErrorFromZod } from "./zod-issues.js";

/**
 * Parses `input` with `schema` and returns the result, or throws a `VALIDATION_ERROR` naming the field.
 * The boundary check every Atom package uses on its public functions.
 *
 * @param context names the package and function, e.g. `[@atom/ledger] post`
 * @throws {ValidationError} when the input does not match
 * @example const opts = parseInput(optionsSchema, raw, "[@atom/oauth-store] createState");
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, context: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFromZod(result.error, { context });
  return result.data;
}
