import { parseInput } from "@atom/errors";
import { z } from "zod";
import type { NodeErrorInfo, NodeResult, RunStatus, RunStore, StoredRun } from "./types.js";

/** Options of {@link memoryRunStore}. */
export interface MemoryRunStoreOptions {
  /**
   * How many finished (`success` or `failed`) runs stay readable through `getRun`, the oldest dropped first. By
   * default none: a finished run's results are in what `run`/`resume` return and in `run:finish`, and keeping them
   * would hold every output in memory. Paused and cancelled runs are always kept, since `resume` needs them.
   * @default 0
   */
  retainFinished?: number;
}

const optionsSchema = z.object({ retainFinished: z.number().int().min(0).max(1_000_000).optional() }).strict();

/**
 * An in-process {@link RunStore}: the engine's default. Runs survive an engine instance (share the store) but not
 * the process; use `postgresRunStore` from `@atom/workflow-engine/postgres` for crash recovery. Memory stays
 * bounded: a finished run is dropped once it finishes unless `retainFinished` keeps the last few for `getRun`.
 * @example
 * ```ts
 * const store = memoryRunStore({ retainFinished: 500 });
 * const engine = createWorkflowEngine({ store });
 * ```
 */
export function memoryRunStore(options: MemoryRunStoreOptions = {}): RunStore {
  const { retainFinished = 0 } = parseInput(optionsSchema, options, "[@atom/workflow-engine] memoryRunStore");
  const runs = new Map<string, StoredRun>();
  // Finished run ids, oldest first from `head` (a queue: a Set iterated from its start would walk its tombstones).
  let finished: string[] = [];
  let head = 0;
  const retire = (runId: string) => {
    finished.push(runId);
    while (finished.length - head > retainFinished) runs.delete(finished[head++] as string);
    if (head > 1024 && head * 2 > finished.length) {
      finished = finished.slice(head);
      head = 0;
    }
  };
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
    },
    async setRunStatus(runId: string, status: RunStatus, error?: NodeErrorInfo) {
      const run = runs.get(runId);
      if (!run) return;
      run.status = status;
      if (error) run.error = error;
      else if (run.error) delete run.error;
      if (status === "success" || status === "failed") retire(runId);
    },
  };
}
