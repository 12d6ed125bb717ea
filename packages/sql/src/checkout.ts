import type { PgPoolLike, PooledClient } from "./types.js";

/** A client checked out with {@link checkOutClient}. */
export interface HeldClient {
  /** The checked-out client: run statements on it until you release it. */
  client: PooledClient;
  /**
   * Returns the client to the pool, or discards it when `error` is given or the connection failed while held. Stops
   * listening for the client's errors. Call it once.
   */
  release(error?: Error): void;
}

interface ErrorEvents {
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
}

function emitsErrors(client: PooledClient): client is PooledClient & ErrorEvents {
  const events = client as Partial<ErrorEvents>;
  return typeof events.on === "function" && typeof events.removeListener === "function";
}

/**
 * Checks a client out of `pool` and listens for its `error` events while you hold it. `pg.Pool` listens only to its
 * idle clients: a held client whose connection is lost between two statements emits `error` with nobody listening,
 * which throws out of the process. Held this way, the loss is kept instead; the client's next statement rejects, and
 * `release` discards the connection rather than return it to the pool.
 *
 * @example
 * ```ts
 * const { client, release } = await checkOutClient(pool);
 * try {
 *   await client.query("SELECT pg_advisory_lock(1)");
 * } finally {
 *   release();
 * }
 * ```
 */
export async function checkOutClient(pool: PgPoolLike): Promise<HeldClient> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  const events = emitsErrors(client) ? client : undefined;
  events?.on("error", onError);
  return {
    client,
    release(error) {
      events?.removeListener("error", onError);
      client.release(error ?? lost);
    },
  };
}
