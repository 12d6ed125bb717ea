import { checkOutClient, type PgPoolLike } from "@atom/sql";
import { sleep, systemClock } from "../timing.js";

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

  /**
   * Waits for a slot of `type` (polling every `retryMs`) until one is free, `signal` aborts, or `until` (epoch ms)
   * passes: then it resolves `undefined` and holds nothing. `waited` tells whether the first try found every slot
   * taken (what the caller read before may be stale by then).
   */
  async acquire(type: string, signal: AbortSignal, until = Number.POSITIVE_INFINITY): Promise<{ release: ReleaseSlot; waited: boolean } | undefined> {
    const limit = this.limits[type] as number;
    const key = `atom-workflow:${this.queue}:${type}`;
    for (let waited = false; ; waited = true) {
      signal.throwIfAborted();
      if (waited && Date.now() >= until) return undefined;
      // Held across the node's run: a connection lost meanwhile is kept by the hold, not thrown out of the process.
      const { client, release: hand } = await checkOutClient(this.pool);
      let slot: number | undefined;
      try {
        // LIMIT 1 stops at the first lock taken, so at most one is held per call.
        const { rows } = (await client.query(
          "SELECT s FROM generate_series(0, $2::int - 1) s WHERE pg_try_advisory_lock(hashtext($1), s) LIMIT 1",
          [key, limit],
        )) as { rows: { s: number }[] };
        slot = rows[0]?.s;
      } catch (error) {
        hand(error as Error);
        throw error;
      }
      if (slot !== undefined) {
        const held = slot;
        const release = () => {
          client.query("SELECT pg_advisory_unlock(hashtext($1), $2)", [key, held]).then(
            () => hand(),
            (error: Error) => hand(error),
          );
        };
        return { release, waited };
      }
      hand();
      // An abort ends the wait; the loop's first line then throws it.
      await sleep(Math.max(0, Math.min(this.retryMs, until - Date.now())), signal, systemClock).catch(() => undefined);
    }
  }
}
