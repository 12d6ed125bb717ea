import { AtomError, isAtomError } from "./atom-error.js";
import { InternalError } from "./builtins.js";
import { errorFromHttpStatus } from "./http-status.js";
import { isZodError, validationErrorFromZod } from "./zod-issues.js";

/** Turns a host-specific error into an AtomError, or returns `undefined` to pass it on. */
export type ErrorMapper = (error: unknown) => AtomError | undefined;

function httpStatusOf(error: object): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown; isBoom?: unknown; output?: { statusCode?: unknown } };
  if (e.isBoom === true && typeof e.output?.statusCode === "number") return e.output.statusCode;
  const status = typeof e.status === "number" ? e.status : e.statusCode;
  return typeof status === "number" && status >= 400 && status <= 599 ? status : undefined;
}

/**
 * Turns anything thrown into an {@link AtomError}:
 * AtomErrors pass through; a `ZodError` becomes `VALIDATION_ERROR`; errors carrying a 4xx/5xx `status`/`statusCode`
 * (http-errors, Boom, framework errors) keep that status; everything else (plain errors, strings, `null`) becomes
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
    const status = httpStatusOf(error);
    if (status !== undefined) return errorFromHttpStatus(status, (error as { message?: string }).message, error);
  }
  return new InternalError({ cause: error });
}
