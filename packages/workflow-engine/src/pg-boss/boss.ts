/**
 * The part of a `PgBoss` instance (pg-boss 10) the adapter uses. Structural, so the package never imports pg-boss
 * at run time and any pg-boss 10.x fits.
 */
export interface BossLike {
  /** Enqueues several jobs in one statement; a job whose singleton key is already queued is left out. */
  insert(jobs: BossInsertJob[], options?: { db?: BossDb }): Promise<unknown>;
  /** Takes up to `batchSize` jobs (they become `active`), on `db` when given. */
  fetch(name: string, options: { batchSize: number; db?: BossDb }): Promise<BossJob[] | null>;
  /**
   * The boss's own connection. When present, the worker fetches through it while watching for failures: pg-boss's
   * `fetch` answers a failed query with no jobs, so an unreachable database would otherwise look like an idle queue.
   */
  getDb?(): BossDb;
  /** Marks jobs completed. */
  complete(name: string, id: string | string[], data?: object | null, options?: { db?: BossDb }): Promise<unknown>;
  /** Marks jobs failed (retried while their retry limit allows). */
  fail(name: string, id: string | string[], data?: object | null, options?: { db?: BossDb }): Promise<unknown>;
  /** Creates a queue. */
  createQueue(name: string, options: BossQueueOptions): Promise<void>;
  /** Reads a queue, `null` when it does not exist. */
  getQueue(name: string): Promise<unknown>;
  /**
   * Changes a queue's options (those given). When present, the worker gives a node queue created without a dead
   * letter queue the adapter's, `<queue>.lost`.
   */
  updateQueue?(name: string, options: { name: string; policy: "stately"; deadLetter: string }): Promise<unknown>;
}

/** One job of {@link BossLike.insert}. */
export interface BossInsertJob {
  /** Queue name. */
  name: string;
  /** The job's data. */
  data: object;
  /** The run, node and queue generation as a JSON array (`["run-1","ship",0]`): pg-boss keeps one queued job per key. */
  singletonKey: string;
  /** ISO time (UTC, ending in `Z`) when a delay node's job may start. */
  startAfter?: string;
}

/** pg-boss's `db` option: a connection that runs SQL (here: the adapter's transaction). */
export interface BossDb {
  /** Runs one parameterized statement. */
  executeSql(text: string, values?: unknown[]): Promise<BossSqlResult>;
}

/** What {@link BossDb.executeSql} resolves to. */
export interface BossSqlResult {
  /** The rows returned. */
  rows: unknown[];
}

/** A fetched job. */
export interface BossJob {
  /** Job id. */
  id: string;
  /** The job's data. */
  data: unknown;
  /**
   * Seconds the job stays `active` before pg-boss retries it (its lease), as pg-boss 10's `fetch` returns it (a
   * numeric string). A worker starts the job's node only in the first half of it.
   */
  expireInSeconds?: number | string;
}

/** The queues the adapter creates when they are missing (create the node queue yourself to choose expiry and retention). */
export interface BossQueueOptions {
  /** Queue name. */
  name: string;
  /** `stately` for the node queue: one queued and one active job per singleton key; `standard` for its dead letters. */
  policy: "stately" | "standard";
  /** Retries of a job whose worker was lost. */
  retryLimit?: number;
  /** Seconds between them. */
  retryDelay?: number;
  /** Where pg-boss moves a job that ran out of retries: the node queue's `<queue>.lost`. */
  deadLetter?: string;
}

/**
 * The dead letter queue of a node queue: pg-boss moves there a node job that ran out of retries, and workers record
 * its node failed (`NODE_LOST`), so its run moves on instead of staying `running` with no job.
 * @internal
 */
export function lostQueueName(queue: string): string {
  return `${queue}.lost`;
}

/** pg-boss's insert of some jobs as it would send it (see `captureInsert`). @internal */
export interface CapturedInsert {
  /** The statement. */
  text: string;
  /** Its parameters. */
  values: unknown[];
  /** The jobs as pg-boss's `insert` sends them (one of `values`). */
  jobs: string;
}

/** pg-boss's complete of some jobs as it would send it (see `captureComplete`). @internal */
export interface CapturedComplete {
  /** The statement. */
  text: string;
  /** Its parameters: the queue's name, the job ids, the jobs' output. */
  values: unknown[];
}
