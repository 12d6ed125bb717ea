import type { z } from "zod";
import { AtomError, assertErrorOptions, type ErrorDetails, invalidOptionsError } from "./atom-error.js";
import { issuesFromZod } from "./zod-issues.js";
import type { Severity } from "./severity.js";

/** A schema for an error's details: any zod schema whose output is a JSON object. */
export type DetailsSchema = z.ZodType<ErrorDetails>;

/** What {@link defineError} takes. */
export interface DefineErrorOptions<C extends string, S extends DetailsSchema | undefined> {
  /** The stable code, kept as a literal type on the class and its instances. */
  code: C;
  /** HTTP status. @default derived from `severity` */
  status?: number;
  /** Severity. @default derived from `status` */
  severity?: Severity;
  /** Whether message and details are safe for clients in production. @default status < 500 */
  expose?: boolean;
  /** The message, or a function of the validated details that builds it. */
  message: string | ((details: DetailsOf<S>) => string);
  /** A zod schema for `details`: the constructor's argument is typed by it and validated against it. */
  details?: S;
  /** The class name. @default the code in PascalCase followed by `Error` */
  name?: string;
}

/** The validated details type of a schema, or an empty object without one. */
export type DetailsOf<S> = S extends DetailsSchema ? z.output<S> : Record<string, never>;

/** Options every defined error's constructor accepts after its details. */
export interface DefinedErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** Replaces the defined message. */
  message?: string;
}

/** The instance type of a class made by {@link defineError}. */
export type DefinedError<C extends string, S extends DetailsSchema | undefined> = AtomError<DetailsOf<S>> & {
  /** The code given to `defineError`. */
  readonly code: C;
};

/** The class made by {@link defineError}. */
export interface DefinedErrorClass<C extends string, S extends DetailsSchema | undefined> {
  new (
    ...args: S extends DetailsSchema
      ? [details: z.input<S>, options?: DefinedErrorOptions]
      : [details?: Record<string, never>, options?: DefinedErrorOptions]
  ): DefinedError<C, S>;
  /** The code every instance carries. */
  readonly code: C;
}

function pascalName(code: string): string {
  const words = code.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return `${words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("")}Error`;
}

/**
 * Creates a typed error class. Its constructor's `details` argument is type-checked against the zod schema at
 * compile time and validated at run time; invalid details are a programming error and throw
 * `INVALID_ERROR_DETAILS` (500) naming the field. A definition whose code, status, severity, `expose`, message or
 * schema is not what its type says throws `INVALID_ERROR_OPTIONS` (500) here, before any error is made.
 *
 * @example
 * ```ts
 * const PaymentDeclined = defineError({
 *   code: "PAYMENT_DECLINED",
 *   status: 402,
 *   message: (d) => `Payment declined: ${d.reason}`,
 *   details: z.object({ reason: z.string() }),
 * });
 * throw new PaymentDeclined({ reason: "insufficient funds" });
 * ```
 */
export function defineError<const C extends string, S extends DetailsSchema | undefined = undefined>(
  definition: DefineErrorOptions<C, S>,
): DefinedErrorClass<C, S> {
  const { code, status, severity, expose, message, details } = definition;
  assertErrorOptions({
    code,
    message: typeof message === "function" ? "" : message,
    ...(status === undefined ? {} : { status }),
    ...(severity === undefined ? {} : { severity }),
    ...(expose === undefined ? {} : { expose }),
  }, "the error definition is");
  if (details !== undefined && typeof (details as { safeParse?: unknown } | null)?.safeParse !== "function") {
    throw invalidOptionsError("the error definition is", "details", "must be a zod schema");
  }
  const schema = details as DetailsSchema | undefined;
  class Defined extends AtomError {
    static readonly code = definition.code;
    constructor(details?: unknown, options: DefinedErrorOptions = {}) {
      let validated: ErrorDetails = {};
      if (schema) {
        const result = schema.safeParse(details ?? {});
        if (!result.success) {
          const issues = issuesFromZod(result.error);
          const field = issues[0]?.path.join(".") ?? "";
          throw new AtomError({
            code: "INVALID_ERROR_DETAILS",
            status: 500,
            severity: "critical",
            message: `[@atom/errors] details of ${definition.code} are invalid at "${field}": ${issues[0]?.message ?? "invalid"}`,
            details: { errorCode: definition.code, field, issues },
          });
        }
        validated = result.data;
      }
      const message =
        options.message ??
        (typeof definition.message === "function"
          ? definition.message(validated as DetailsOf<S>)
          : definition.message);
      super({
        code: definition.code,
        message,
        details: validated,
        ...(definition.status === undefined ? {} : { status: definition.status }),
        ...(definition.severity === undefined ? {} : { severity: definition.severity }),
        ...(definition.expose === undefined ? {} : { expose: definition.expose }),
        ...(options.cause === undefined ? {} : { cause: options.cause }),
      });
    }
  }
  Object.defineProperty(Defined, "name", { value: definition.name ?? pascalName(definition.code) });
  return Defined as unknown as DefinedErrorClass<C, S>;
}
