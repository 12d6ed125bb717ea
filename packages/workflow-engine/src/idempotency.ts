import { hash } from "node:crypto";

/**
 * A stable key for one node of one run: the same across retries, resumes and engine instances.
 * @internal
 */
export function idempotencyKey(runId: string, nodeId: string): string {
  // One-shot hash: no Hash object per call (same digest as createHash).
  return hash("sha256", `${runId}\u0000${nodeId}`, "base64url").slice(0, 32);
}
