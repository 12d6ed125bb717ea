import type { NodeErrorInfo, NodeResult, RunStatus, RunStore, StoredRun } from "./types.js";

/**
 * An in-process {@link RunStore}: the engine's default. Runs survive an engine instance (share the store) but not
 * the process; use `postgresRunStore` from `@atom/workflow-engine/postgres` for crash recovery.
 * @example
 * ```ts
 * const store = memoryRunStore();
 * const engine = createWorkflowEngine({ store });
 * ```
 */
export function memoryRunStore(): RunStore {
  const runs = new Map<string, StoredRun>();
  const settled = Promise.resolve();
  // Definitions and settled results are never mutated by the engine, so a shallow copy isolates callers cheaply.
  const copy = (run: StoredRun): StoredRun => ({ ...run, nodes: { ...run.nodes } });
  return {
    async createRun(run) {
      runs.set(run.runId, copy(run));
    },
    async getRun(runId) {
      const run = runs.get(runId);
      return run ? copy(run) : undefined;
    },
    saveNodeResult(runId: string, nodeId: string, result: NodeResult) {
      const run = runs.get(runId);
      if (run) run.nodes[nodeId] = result;
      return settled;
    },
    async setRunStatus(runId: string, status: RunStatus, error?: NodeErrorInfo) {
      const run = runs.get(runId);
      if (!run) return;
      run.status = status;
      if (error) run.error = error;
      else delete run.error;
    },
  };
}
