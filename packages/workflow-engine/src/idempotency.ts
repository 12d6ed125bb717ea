import { createHash } from "node:crypto";

/**
 * A stable key for one node of one run: the same across retries, resumes and engine instances.
 * @internal
 */
export function idempotencyKey(runId: string, nodeId: string): string {
  return createHash("sha256").update(`${runId}\u0000${nodeId}`).digest("base64url").slice(0, 32);
}
