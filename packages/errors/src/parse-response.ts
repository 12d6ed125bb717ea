import { z } from "zod";
import type { ErrorEnvelope } from "./response.js";
import { SEVERITIES, type Severity } from "./severity.js";

const severity = z.enum(SEVERITIES as [Severity, ...Severity[]]);

/** zod schema of the Atom error envelope, for clients that validate what they receive. */
export const errorEnvelopeSchema = z.object({
  /** Always `false`. */
  success: z.literal(false),
  /** The stable code. */
  error_code: z.string().min(1),
  /** A human-readable sentence. */
  message: z.string(),
  /** How serious the error is. */
  severity,
  /** Structured context, when sent. */
  details: z.record(z.string(), z.unknown()).optional(),
  /** ISO-8601 UTC. */
  timestamp: z.string(),
  /** The request's id. */
  request_id: z.string(),
});

const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  error_code: z.string().min(1),
  severity,
  details: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.string(),
  request_id: z.string(),
});

/**
 * Reads an error body received from an Atom host (envelope or problem+json) as a typed {@link ErrorEnvelope}.
 * Returns `undefined` when `json` is not an Atom error body.
 *
 * @example
 * ```ts
 * const res = await fetch("/api/users/1");
 * const error = res.ok ? undefined : parseErrorResponse(await res.json());
 * if (error?.error_code === "USER_1101") showNotFound();
 * ```
 */
export function parseErrorResponse(json: unknown): ErrorEnvelope | undefined {
  const envelope = errorEnvelopeSchema.safeParse(json);
  if (envelope.success) {
    const { details, ...rest } = envelope.data;
    return details === undefined ? rest : { ...rest, details };
  }
  const problem = problemSchema.safeParse(json);
  if (!problem.success) return undefined;
  const p = problem.data;
  return {
    success: false,
    error_code: p.error_code,
    message: p.detail,
    severity: p.severity,
    ...(p.details === undefined ? {} : { details: p.details }),
    timestamp: p.timestamp,
    request_id: p.request_id,
  };
}
