import { AtomError, isAtomError } from "./atom-error.js";
import { InternalError } from "./builtins.js";
import { fromHttpError } from "./foreign-errors.js";
import { isZodError, validationErrorFromZod } from "./zod-issues.js";

/** Turns a host-specific error into an AtomError, or returns `undefined` to pass it on. */
export type ErrorMapper = (error: unknown) => AtomError | undefined;

/**
 * Turns anything thrown into an {@link AtomError}:
 * AtomErrors pass through; a `ZodError` becomes `VALIDATION_ERROR`; errors carrying a 4xx/5xx `status`/`statusCode`
 * (http-errors, Boom, Hono's `HTTPException`, framework errors) keep that status, their client-facing message and
 * the headers they ask for (`WWW-Authenticate`, `Retry-After`); everything else (plain errors, strings, `null`) becomes
 * `INTERNAL_ERROR` with the original as `cause`.
 *
 * @param mappers host-specific conversions tried first
 */
export function toAtomError(error: unknown, mappers: readonly ErrorMapper[] = []): AtomError {
  if (isAtomError(error)) return error;
  for (const mapper of mappers) {
    const mapped = mapper(error);
    if (mapped) return mapped;
  }
  if (isZodError(error)) return validationErrorFromZod(error);
  if (typeof error === "object" && error !== null) {
    const mapped = fromHttpError(error);
    if (mapped) return mapped;
  }
  return new InternalError({ cause: error });
}
