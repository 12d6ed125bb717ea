import { AtomError, isAtomError } from "./atom-error.js";
import { InternalError } from "./builtins.js";
import { fromHttpError } from "./foreign-errors.js";
import { isZodError, validationErrorFromZod } from "./zod-issues.js";

/** Turns a host-specific error into an AtomError, or returns `undefined` (or anything but an AtomError) to pass it on. */
export type ErrorMapper = (error: unknown) => AtomError | undefined;

/**
 * Turns anything thrown into an {@link AtomError}:
 * AtomErrors pass through; a `ZodError` becomes `VALIDATION_ERROR`; errors carrying a 4xx/5xx `status`/`statusCode`
 * (http-errors, Boom, Hono's `HTTPException`, framework errors) keep that status, their client-facing message and
 * the headers they ask for (`WWW-Authenticate`, `Retry-After`); everything else (plain errors, strings, `null`) becomes
 * `INTERNAL_ERROR` with the original as `cause`, and so does anything that throws while it is read (a hostile Proxy,
 * a throwing getter). A mapper that throws, or returns anything but an AtomError, passes the error on. Never throws.
 *
 * @param mappers host-specific conversions tried first
 */
export function toAtomError(error: unknown, mappers: readonly ErrorMapper[] = []): AtomError {
  try {
    if (isAtomError(error)) return error;
    for (const mapper of mappers) {
      const mapped = mapOrPass(mapper, error);
      if (mapped) return mapped;
    }
    if (isZodError(error)) return validationErrorFromZod(error);
    if (typeof error === "object" && error !== null) {
      const mapped = fromHttpError(error);
      if (mapped) return mapped;
    }
  } catch {
    // Reading it threw (a Proxy whose traps throw, a revoked Proxy, a throwing getter): what was thrown cannot be
    // trusted to describe itself, so it is an internal error like any unknown value.
  }
  return new InternalError({ cause: error });
}

/** What `mapper` made of `error`: only an AtomError is an answer; a mapper that throws passes the error on. */
function mapOrPass(mapper: ErrorMapper, error: unknown): AtomError | undefined {
  try {
    const mapped: unknown = mapper(error);
    return isAtomError(mapped) ? mapped : undefined;
  } catch {
    return undefined;
  }
}
