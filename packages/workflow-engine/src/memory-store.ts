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
  // A dropped run leaves a tombstone (`undefined`) and the map is rebuilt once tombstones are most of it, rather than
  // one `Map#delete` per run: that delete was the largest single cost in profiles of a one-node run.
  let runs = new Map<string, StoredRun | undefined>();
  let tombstones = 0;
  const drop = (runId: string) => {
    runs.set(runId, undefined);
    if (++tombstones > 1024 && tombstones * 2 > runs.size) {
      const live = new Map<string, StoredRun | undefined>();
      for (const [id, run] of runs) if (run) live.set(id, run);
      runs = live;
      tombstones = 0;
    }
  };
  // Finished run ids kept for `getRun`, oldest first from `head` (a queue: a Set iterated from its start would walk
  // its tombstones).
  let finished: string[] = [];
  let head = 0;
  const retire = (runId: string) => {
    if (retainFinished === 0) return drop(runId);
    finished.push(runId);
    while (finished.length - head > retainFinished) drop(finished[head++] as string);
    if (head > 1024 && head * 2 > finished.length) {
      finished = finished.slice(head);
      head = 0;
    }
  };
  // Definitions and settled results are never mutated by the engine, so a shallow copy isolates callers cheaply.
  const copy = (run: StoredRun): StoredRun => ({ ...run, nodes: { ...run.nodes } });
  return {
    createRun(run) {
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
    setRunStatus(runId: string, status: RunStatus, error?: NodeErrorInfo) {
      const run = runs.get(runId);
      if (!run) return;
      run.status = status;
      if (error) run.error = error;
      else if (run.error) delete run.error;
      if (status === "success" || status === "failed") retire(runId);
    },
  };
}
