import { DatabaseError, isAtomError, ValidationError } from "@atom/errors";
import { createSqlExecutor, isRetryableSqlError, type SqlExecutor } from "@atom/sql";
import { z } from "zod";
import { storedIdSchema } from "../definition.js";
import type { WorkflowEngine } from "../engine.js";
import { engineInternals, type EngineInternals, storeTables, type StoreTables } from "../internals.js";
import { type BossDb, type BossLike, type BossQueueOptions, lostQueueName } from "./boss.js";
import { queueOwner, RunRows } from "./run-rows.js";

/** The default pg-boss queue of node jobs. */
export const DEFAULT_QUEUE = "atom-workflow-nodes";

/** What every queue function needs: the boss, the engine and the queue name. */
export interface QueueOptions {
  /** Your started `PgBoss` instance (pg-boss 10). */
  boss: BossLike;
  /** The engine whose node types, actions, services and events are used; its store must be a `postgresRunStore`. */
  engine: WorkflowEngine;
  /** The pg-boss queue of node jobs. @default "atom-workflow-nodes" */
  queue?: string;
}

/** @internal */
export const queueOptionsShape = {
  boss: z.custom<BossLike>(
    (value) => ["insert", "fetch", "complete", "fail", "createQueue", "getQueue"].every((m) => typeof (value as Record<string, unknown> | null)?.[m] === "function"),
    "must be a started PgBoss instance (pg-boss 10)",
  ),
  engine: z.custom<WorkflowEngine>((value) => engineInternals(value) !== undefined, "must be an engine made by createWorkflowEngine"),
  queue: z.string().regex(/^[A-Za-z0-9_.-]{1,50}$/, "letters, digits, _ . - (at most 50)").optional(),
};

/**
 * Approval ids by node id, as `resumeRun` takes them and node jobs carry them: node ids are stored ids, and approval
 * ids hold no NUL either (job data is `jsonb`, which refuses `\u0000`).
 * @internal
 */
export const approvalsSchema = z.record(
  storedIdSchema,
  z.string().min(1).max(256).refine((value) => !value.includes("\u0000"), { message: "must not contain NUL (\\u0000)" }),
);

/** Everything the queue functions share, resolved from {@link QueueOptions}. @internal */
export interface QueueContext {
  boss: BossLike;
  internals: EngineInternals;
  tables: StoreTables;
  sql: SqlExecutor;
  rows: RunRows;
  queue: string;
  owner: string;
}

/** @internal */
export function queueContext(options: { boss: BossLike; engine: WorkflowEngine; queue?: string | undefined }, context: string): QueueContext {
  const internals = engineInternals(options.engine) as EngineInternals;
  const tables = storeTables(internals.store);
  if (!tables) {
    throw new ValidationError({
      field: "engine",
      message: `[@atom/workflow-engine] [pg-boss] ${context}: the engine's store must be a postgresRunStore (runs live in Postgres beside the queue)`,
    });
  }
  const queue = options.queue ?? DEFAULT_QUEUE;
  return { boss: options.boss, internals, tables, sql: createSqlExecutor(tables.db), rows: new RunRows(tables), queue, owner: queueOwner(queue) };
}

/** pg-boss's `db` option on one of our transactions, so its inserts commit or roll back with our writes. @internal */
export function bossDb(tx: SqlExecutor): BossDb {
  return { executeSql: (text, values) => tx.query(text, values ?? []) };
}

const ensured = new WeakMap<object, Map<string, Promise<boolean>>>();

/**
 * Creates the node queue once per boss: policy `stately` (one queued and one active job per `runId:nodeId` key),
 * a generous retry limit (a retry is a lost worker, not a node failure: node retries are the node's own policy), and
 * its dead letter queue ({@link lostQueueName}), which it also gives an existing node queue that has none (when the
 * boss can `updateQueue`). Resolves `true` when the node queue's dead letters go there (workers then watch it).
 * @internal
 */
export function ensureQueue(ctx: QueueContext): Promise<boolean> {
  let byName = ensured.get(ctx.boss);
  if (!byName) ensured.set(ctx.boss, (byName = new Map()));
  let done = byName.get(ctx.queue);
  if (!done) {
    done = (async () => {
      const lost = lostQueueName(ctx.queue);
      const existing = (await ctx.boss.getQueue(ctx.queue)) as { policy?: string; deadLetter?: string | null } | null;
      if (existing) {
        if (existing.policy !== "stately") {
          throw new ValidationError({
            field: "queue",
            message: `[@atom/workflow-engine] [pg-boss] queue "${ctx.queue}" has policy "${existing.policy}"; node jobs need "stately" (one queued job per node)`,
          });
        }
        if (existing.deadLetter) return existing.deadLetter === lost;
        if (!ctx.boss.updateQueue) return false;
        await createMissing(ctx, { name: lost, policy: "standard" });
        await ctx.boss.updateQueue(ctx.queue, { name: ctx.queue, policy: "stately", deadLetter: lost });
        return true;
      }
      await createMissing(ctx, { name: lost, policy: "standard" });
      await createMissing(ctx, { name: ctx.queue, policy: "stately", retryLimit: 100, retryDelay: 1, deadLetter: lost });
      return true;
    })();
    done.catch(() => byName.delete(ctx.queue));
    byName.set(ctx.queue, done);
  }
  return done;
}

/**
 * Creates a queue unless it exists. Other processes may create it meanwhile: pg-boss's `createQueue` then fails on
 * the name taken or deadlocks with theirs (its DDL), and is tried again (a few times, after a short random wait)
 * until the queue is there.
 */
async function createMissing(ctx: QueueContext, options: BossQueueOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await ctx.boss.getQueue(options.name)) return;
    try {
      await ctx.boss.createQueue(options.name, options);
      return;
    } catch (error) {
      if (!isRetryableSqlError(error) || attempt >= CREATE_ATTEMPTS) {
        if (await ctx.boss.getQueue(options.name)) return;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

const CREATE_ATTEMPTS = 5;

/**
 * A driver or pg-boss error as a typed `DATABASE_ERROR` naming the operation (the original is its `cause`); the
 * adapter's own errors pass through.
 * @internal
 */
export function databaseError(what: string, error: unknown): unknown {
  return isAtomError(error) ? error : new DatabaseError({ message: `[@atom/workflow-engine] [pg-boss] ${what} failed`, cause: error });
}

/** Runs `fn`, turning a driver error into {@link databaseError}. @internal */
export async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw databaseError(what, error);
  }
}
