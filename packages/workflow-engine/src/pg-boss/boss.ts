/**
 * The part of a `PgBoss` instance (pg-boss 10) the adapter uses. Structural, so the package never imports pg-boss
 * at run time and any pg-boss 10.x fits.
 */
export interface BossLike {
  /** Enqueues a job; `null` when a job with the same singleton key is already queued. */
  send(name: string, data: object, options: BossSendOptions): Promise<string | null>;
  /** Takes up to `batchSize` jobs (they become `active`). */
  fetch(name: string, options: { batchSize: number }): Promise<BossJob[] | null>;
  /** Marks jobs completed. */
  complete(name: string, id: string | string[], data?: object | null, options?: { db?: BossDb }): Promise<unknown>;
  /** Marks jobs failed (retried while their retry limit allows). */
  fail(name: string, id: string | string[], data?: object | null, options?: { db?: BossDb }): Promise<unknown>;
  /** Creates a queue. */
  createQueue(name: string, options: BossQueueOptions): Promise<void>;
  /** Reads a queue, `null` when it does not exist. */
  getQueue(name: string): Promise<unknown>;
}

/** Options of {@link BossLike.send} the adapter sets. */
export interface BossSendOptions {
  /** `runId:nodeId`: pg-boss keeps one queued job per key. */
  singletonKey: string;
  /** When a delay node's job may start. */
  startAfter?: Date;
  /** Runs the insert on this connection, inside its transaction. */
  db?: BossDb;
}

/** pg-boss's `db` option: a connection that runs SQL (here: the adapter's transaction). */
export interface BossDb {
  /** Runs one parameterized statement. */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A fetched job. */
export interface BossJob {
  /** Job id. */
  id: string;
  /** The job's data. */
  data: unknown;
}

/** The queue the adapter creates when it is missing (create it yourself to choose expiry and retention). */
export interface BossQueueOptions {
  /** Queue name. */
  name: string;
  /** `stately`: one queued and one active job per singleton key. */
  policy: "stately";
  /** Retries of a job whose worker was lost. */
  retryLimit: number;
  /** Seconds between them. */
  retryDelay: number;
}
