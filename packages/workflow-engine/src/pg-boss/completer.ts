import type { CapturedComplete } from "./boss.js";
import { capturingDb } from "./capture.js";
import type { QueueContext } from "./context.js";

/**
 * pg-boss's complete of `jobIds` as it would send it, to nest in the statement that records their nodes (a statement
 * and a round trip saved, and the jobs completed in the commit that records them); `undefined` when pg-boss did not
 * send one statement at once (a boss that awaits first, or sends two): complete them with the {@link Completer}.
 * Never waits: the statement is captured as pg-boss's `complete` is called.
 * @internal
 */
export function captureComplete(ctx: QueueContext, jobIds: string[]): CapturedComplete | undefined {
  const { db, statements } = capturingDb([{ count: "0" }]);
  try {
    ctx.boss.complete(ctx.queue, jobIds, null, { db }).catch(() => undefined);
  } catch {
    return undefined;
  }
  const [statement] = statements;
  const ids = statement?.values[1];
  const same = Array.isArray(ids) && ids.length === jobIds.length && ids.every((id, i) => id === jobIds[i]);
  return statements.length === 1 && same ? statement : undefined;
}

/**
 * Completes node jobs in batches: those with nothing to record, and those whose results were recorded by a
 * transaction (a batch recorded by one statement completes its jobs in it, see {@link captureComplete}). Such a
 * completion is not part of the recording: a job left `active` (its worker lost before completing it) is retried
 * when its lease ends, finds its node recorded and is completed without running it. So completions can wait for
 * each other: one statement is in flight at a time, and the ids that arrive meanwhile are sent once `batch` of them
 * wait, or `lingerMs` after the first of them, whichever comes first.
 * @internal
 */
export class Completer {
  private waiting: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly ctx: QueueContext,
    private readonly report: (error: unknown) => void,
    private readonly batch: number,
    private readonly lingerMs: number,
  ) {}

  /** Queues jobs to complete. */
  add(jobIds: readonly string[]): void {
    this.waiting.push(...jobIds);
    this.schedule();
  }

  /**
   * Resolves once every queued job was completed (or its completion failed and was reported), or after `withinMs`:
   * the jobs still waiting then are retried at their lease's end and complete without running their nodes.
   */
  async flush(withinMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, withinMs);
    });
    try {
      await Promise.race([this.drain(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async drain(): Promise<void> {
    while (this.sending || this.waiting.length > 0) {
      if (!this.sending) this.send();
      await this.sending;
    }
  }

  private schedule(): void {
    if (this.sending || this.waiting.length === 0) return;
    if (this.waiting.length >= this.batch) this.send();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.send(), this.lingerMs);
      this.timer.unref();
    }
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.waiting.length === 0) return;
    const jobIds = this.waiting.splice(0, this.batch);
    this.sending = this.ctx.boss
      .complete(this.ctx.queue, jobIds)
      .then(
        () => undefined,
        (error: unknown) => this.report(error),
      )
      .finally(() => {
        this.sending = undefined;
        this.schedule();
      });
  }
}
