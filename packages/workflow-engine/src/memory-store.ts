import { parseInput } from "@atom/errors";
import { z } from "zod";
import { RunExistsError, RunOwnedError } from "./errors.js";
import type { AcquireRunOutcome, NodeErrorInfo, NodeResult, RunLease, RunStatus, RunStore, StaleRun, StoredRun } from "./types.js";

/** Options of {@link memoryRunStore}. */
export interface MemoryRunStoreOptions {
  /**
   * How many finished (`success` or `failed`) runs stay readable through `getRun`, the oldest dropped first. By
   * default none: a finished run's results are in what `run`/`resume` return and in `run:finish`, and keeping them
   * would hold every output in memory. Paused and cancelled runs are always kept, since `resume` needs them.
   * @default 0
   */
  retainFinished?: number;
  /** Milliseconds since the epoch, for lease expiry. @default Date.now */
  now?: () => number;
}

const optionsSchema = z
  .object({
    retainFinished: z.number().int().min(0).max(1_000_000).optional(),
    now: z.custom<() => number>((value) => typeof value === "function", "must be a function").optional(),
  })
  .strict();

/** Tombstones left in the run map before it is rebuilt without them (when they are also most of it). */
const REBUILD_AFTER = 32;

/** A stored run with its lease, as the memory store keeps it. */
interface Entry {
  run: StoredRun;
  /**
   * Node results saved since `run.nodes` was last brought up to date, as id, result, id, result...: appending is
   * far cheaper than adding a key per node to a record that grows to the run's size, and most runs are dropped
   * when they finish without anyone reading them.
   */
  saved: (string | NodeResult)[] | undefined;
  owner: string | undefined;
  /** Lease expiry, ms since the epoch. */
  expires: number;
}

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
  const { retainFinished = 0, now = () => Date.now() } = parseInput(optionsSchema, options, "[@atom/workflow-engine] memoryRunStore");
  // A dropped run leaves a tombstone (`undefined`) and the map is rebuilt once tombstones are most of it, rather than
  // one `Map#delete` per run: deleting a map's last entries shrinks its table in a runtime call, the largest single
  // cost in profiles of a one-node run. The bar is low so that tombstones die young: keys held for a thousand runs
  // outlived two scavenges and were promoted, which made every scavenge four times slower (`--trace-gc-nvp`).
  let runs = new Map<string, Entry | undefined>();
  let tombstones = 0;
  const drop = (runId: string) => {
    runs.set(runId, undefined);
    if (++tombstones < REBUILD_AFTER || tombstones * 2 <= runs.size) return;
    const live = new Map<string, Entry | undefined>();
    if (tombstones < runs.size) runs.forEach((entry, id) => entry && live.set(id, entry));
    runs = live;
    tombstones = 0;
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
  const copy = (entry: Entry): StoredRun => {
    const { saved } = entry;
    if (saved) {
      const { nodes } = entry.run;
      for (let i = 0; i < saved.length; i += 2) nodes[saved[i] as string] = saved[i + 1] as NodeResult;
      entry.saved = undefined;
    }
    const run: StoredRun = { ...entry.run, nodes: { ...entry.run.nodes } };
    if (entry.owner !== undefined) {
      run.owner = entry.owner;
      run.leaseExpiresAt = new Date(entry.expires).toISOString();
    }
    return run;
  };
  /** The entry `owner` holds, or the typed refusal: a taken-over run gets no more writes from its old owner. */
  const held = (runId: string, owner: string): Entry => {
    const entry = runs.get(runId);
    if (entry?.owner !== owner) throw new RunOwnedError({ runId, reason: "lease_lost" });
    return entry;
  };
  return {
    createRun(run: StoredRun, lease: RunLease) {
      const previous = runs.get(run.runId);
      if (previous !== undefined) throw new RunExistsError({ runId: run.runId });
      // A dropped run's id is forgotten (only its tombstone is left, which this entry replaces).
      if (runs.has(run.runId)) tombstones--;
      runs.set(run.runId, { run: { ...run, nodes: { ...run.nodes } }, saved: undefined, owner: lease.owner, expires: now() + lease.ttlMs });
    },
    async getRun(runId) {
      const entry = runs.get(runId);
      return entry ? copy(entry) : undefined;
    },
    async acquireRun(runId: string, lease: RunLease): Promise<AcquireRunOutcome> {
      const entry = runs.get(runId);
      if (!entry) return { outcome: "not_found" };
      const { status } = entry.run;
      if (status === "success" || status === "failed") return { outcome: "finished", status };
      const at = now();
      if (entry.owner !== undefined && entry.expires > at) return { outcome: "leased", leaseExpiresAt: new Date(entry.expires).toISOString() };
      entry.owner = lease.owner;
      entry.expires = at + lease.ttlMs;
      entry.run.status = "running";
      return { outcome: "acquired", run: copy(entry) };
    },
    renewLease(runId: string, lease: RunLease) {
      const entry = runs.get(runId);
      if (entry?.owner !== lease.owner) return false;
      entry.expires = now() + lease.ttlMs;
      return true;
    },
    saveNodeResult(runId: string, nodeId: string, result: NodeResult, owner: string) {
      const entry = held(runId, owner);
      if (entry.saved) entry.saved.push(nodeId, result);
      else entry.saved = [nodeId, result];
    },
    setRunStatus(runId: string, owner: string, status: RunStatus, error?: NodeErrorInfo) {
      const entry = held(runId, owner);
      const { run } = entry;
      run.status = status;
      if (error) run.error = error;
      else if (run.error) delete run.error;
      entry.owner = undefined;
      if (status === "success" || status === "failed") retire(runId);
    },
    async listStaleRuns({ limit }: { limit: number }): Promise<StaleRun[]> {
      const at = now();
      const stale: Entry[] = [];
      for (const entry of runs.values()) {
        if (entry?.run.status === "running" && (entry.owner === undefined || entry.expires <= at)) stale.push(entry);
      }
      stale.sort((a, b) => a.expires - b.expires);
      return stale.slice(0, limit).map((entry) => ({
        runId: entry.run.runId,
        workflowId: entry.run.workflow.id,
        ...(entry.owner === undefined ? {} : { leaseExpiresAt: new Date(entry.expires).toISOString() }),
      }));
    },
  };
}
