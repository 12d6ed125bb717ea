import type { PgPoolLike, PooledClient } from "@atom/sql";

/** A held slot; `release` gives it back. @internal */
export type ReleaseSlot = () => void;

/**
 * Fleet-wide concurrency limits per node type: a node of a limited type holds one of N Postgres advisory locks
 * (keyed by queue and type) on a connection of its own while it runs. A crashed worker's connection drops and its
 * locks with it, so a slot is never lost.
 * @internal
 */
export class TypeSlots {
  constructor(
    private readonly pool: PgPoolLike,
    private readonly queue: string,
    private readonly limits: Readonly<Record<string, number>>,
    private readonly retryMs = 100,
  ) {}

  limited(type: string): boolean {
    return Object.hasOwn(this.limits, type);
  }

  /** Waits for a slot of `type` (polling every `retryMs`) until one is free or `signal` aborts. */
  async acquire(type: string, signal: AbortSignal): Promise<ReleaseSlot> {
    const limit = this.limits[type] as number;
    const key = `atom-workflow:${this.queue}:${type}`;
    for (;;) {
      signal.throwIfAborted();
      const client: PooledClient = await this.pool.connect();
      let slot: number | undefined;
      try {
        // LIMIT 1 stops at the first lock taken, so at most one is held per call.
        const { rows } = (await client.query(
          "SELECT s FROM generate_series(0, $2::int - 1) s WHERE pg_try_advisory_lock(hashtext($1), s) LIMIT 1",
          [key, limit],
        )) as { rows: { s: number }[] };
        slot = rows[0]?.s;
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      if (slot !== undefined) {
        const held = slot;
        return () => {
          client.query("SELECT pg_advisory_unlock(hashtext($1), $2)", [key, held]).then(
            () => client.release(),
            (error: Error) => client.release(error),
          );
        };
      }
      client.release();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.retryMs);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }
}
