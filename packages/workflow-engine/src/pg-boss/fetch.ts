import type { BossDb, BossJob } from "./boss.js";
import { databaseError, type QueueContext } from "./context.js";
import type { QueuedRun } from "./run-rows.js";
import { isStatementError } from "./statement-error.js";

/** What one fetch took: the jobs, and the runs they name as read in the same statement. @internal */
export interface Fetched {
  jobs: BossJob[];
  /** Absent when the runs were not read with the jobs (read them yourself). */
  runs?: Map<string, QueuedRun>;
}

/**
 * A worker's fetch of up to `batchSize` jobs; `undefined` when the fetch failed. pg-boss's fetch statement runs on
 * the run store's connection with the read of its jobs' runs in the same round trip (the queue and the runs share
 * a database), prepared when `prepare` is set (a batch of `fullBatch` jobs with its size written in). Should
 * pg-boss's statement not take the read (Postgres refuses the wrapped statement as written, and the plain one
 * runs), this worker fetches plainly from then on. A failure is reported once per outage (as `DATABASE_ERROR`
 * "fetch failed"), however many polls it lasts: pg-boss's own `fetch` answers a failed query with no jobs, so the
 * statement is watched here.
 * @internal
 */
export function watchedFetch(ctx: QueueContext, report: (error: unknown) => void, prepare: boolean, fullBatch: number): (batchSize: number) => Promise<Fetched | undefined> {
  let withRuns = true;
  let failure: unknown;
  let runs: Map<string, QueuedRun> | undefined;
  let down = false;
  const plain = async (text: string, values: unknown[]) => {
    try {
      return await ctx.sql.query<Record<string, unknown>>(text, values);
    } catch (error) {
      failure ??= error;
      throw error;
    }
  };
  const db: BossDb = {
    executeSql: async (text, values = []) => {
      if (!withRuns) return plain(text, values);
      let fused;
      try {
        const statement = ctx.rows.fetchWithRunsStatement(text, values, fullBatch);
        fused = await ctx.sql.query<Record<string, unknown>>(statement.text, statement.values, { prepare });
      } catch (error) {
        // Nothing was taken (the statement failed whole): try it plainly, which tells an outage from a statement
        // that cannot be wrapped. Only Postgres refusing the wrapped statement as written stops the wrapping: after
        // a lost connection, the next fetch wraps again.
        const result = await plain(text, values);
        if (isStatementError(error)) withRuns = false;
        return result;
      }
      runs = ctx.rows.runs((fused.rows[0]?.atom_runs as unknown[] | null | undefined) ?? []);
      for (const row of fused.rows) delete row.atom_runs;
      return fused;
    },
  };
  return async (batchSize) => {
    failure = undefined;
    runs = undefined;
    let jobs: BossJob[] | null = null;
    try {
      jobs = await ctx.boss.fetch(ctx.queue, { batchSize, db });
    } catch (error) {
      failure ??= error;
    }
    if (failure === undefined) {
      down = false;
      const fetched: Fetched = { jobs: jobs ?? [] };
      if (runs) fetched.runs = runs;
      return fetched;
    }
    if (!down) report(databaseError("fetch", failure));
    down = true;
    return undefined;
  };
}
