import { randomUUID } from "node:crypto";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The header that carries the request id in both directions. */
export const REQUEST_ID_HEADER = "x-request-id";

const SAFE_FRAMEWORK_ID = /^[A-Za-z0-9._:+/=-]{1,255}$/;

/**
 * The request id to send. The framework's own id (Fastify's `request.id`, Hono's `c.get("requestId")`) wins when
 * it is 1–255 of `A-Z a-z 0-9 . _ : - + / =` (UUIDs, `req-1`, base64), so logs and envelope agree. Fastify copies
 * its `requestIdHeader` into `request.id` as sent, so this is also where a caller's header is checked. Otherwise the incoming `x-request-id` header is
 * reused when it is a safe short token (1–128 of `A-Z a-z 0-9 . _ : -`), else a new UUID is made.
 * Unsafe values (spaces, control characters, very long strings) are never echoed back.
 *
 * @param incoming the `x-request-id` header
 * @param frameworkId the id the framework gave the request, if any
 */
export function resolveRequestId(incoming: string | string[] | null | undefined, frameworkId?: unknown): string {
  if (typeof frameworkId === "string" && SAFE_FRAMEWORK_ID.test(frameworkId)) return frameworkId;
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return typeof value === "string" && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}
