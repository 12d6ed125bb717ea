import { validationErrorFromZod } from "@atom/errors";
import type { z } from "zod";

/**
 * Validates one part of an HTTP request. The error names the part and the field (`body.name`), so every host
 * answers bad input with the same `VALIDATION_ERROR`.
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  at: "body" | "query" | "params" | "headers",
): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationErrorFromZod(result.error, { at });
  return result.data;
}
