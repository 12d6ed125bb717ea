import { randomUUID } from "node:crypto";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The header that carries the request id in both directions. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * Returns the incoming request id when it is a safe short token (1–128 of `A-Z a-z 0-9 . _ : -`), else a new UUID.
 * Unsafe values (spaces, control characters, very long strings) are never echoed back.
 */
export function resolveRequestId(incoming: string | string[] | null | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return typeof value === "string" && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}
