import type { PGliteLike, PgPoolLike, SqlDatabase } from "@atom/sql";
import type { AgentChangeListener, AgentWatch } from "../types.js";

/** The channel the `atom_governance_agents` trigger notifies, with the changed agent's id as payload. @internal */
export const AGENT_CHANNEL = "atom_governance_agents";

const MAX_RECONNECT_DELAY_MS = 30_000;

/** A `pg` pool client, as far as listening needs it. */
interface ListeningClient {
  query(text: string): Promise<unknown>;
  on(event: "notification", fn: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: "error" | "end", fn: () => void): unknown;
  removeAllListeners(event?: string): unknown;
  release(error?: Error | boolean): void;
}

/** PGlite's notification API. */
interface PGliteListen {
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
}

const payloadId = (payload: string | undefined): string | null => (payload === undefined || payload === "" ? null : payload);

/**
 * Subscribes to agent changes. A `pg.Pool`: one connection of the pool runs `LISTEN`; when it drops, `listener(null)`
 * flushes the caller's cache (it falls back to its TTL) and the connection is retried with exponential backoff from
 * `reconnectDelayMs` up to 30 s; each reconnect flushes again, since changes may have been missed. PGlite: its
 * in-process `listen`. A bare client (inside your transaction): no notifications, `ready` resolves `false`.
 * @internal
 */
export function watchAgents(db: SqlDatabase, kind: "pool" | "pglite" | "client", listener: AgentChangeListener, reconnectDelayMs: number): AgentWatch {
  if (kind === "pglite" && typeof (db as Partial<PGliteListen>).listen === "function") {
    const unlisten = (db as PGliteLike & PGliteListen).listen(AGENT_CHANNEL, (payload) => listener(payloadId(payload)));
    return {
      ready: unlisten.then(
        () => true,
        () => false,
      ),
      close: async () => {
        await unlisten.then(
          (stop) => stop(),
          () => undefined,
        );
      },
    };
  }
  if (kind !== "pool") return { ready: Promise.resolve(false), close: async () => {} };

  const pool = db as PgPoolLike;
  let closed = false;
  let current: ListeningClient | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let announceReady: (listening: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    announceReady = resolve;
  });

  const drop = (client: ListeningClient) => {
    client.removeAllListeners();
    // Keep a listener so a late socket error on the discarded client is not an unhandled 'error' event.
    client.on("error", () => {});
    client.release(true);
  };

  const lost = (client: ListeningClient | undefined) => {
    if (client !== undefined) {
      if (current !== client) return;
      current = undefined;
      drop(client);
    }
    announceReady(false);
    listener(null);
    if (closed) return;
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, reconnectDelayMs * 2 ** Math.min(failures, 16));
    failures += 1;
    timer = setTimeout(connect, delay);
    timer.unref?.();
  };

  const connect = async () => {
    timer = undefined;
    let client: ListeningClient;
    try {
      client = (await pool.connect()) as unknown as ListeningClient;
    } catch {
      lost(undefined);
      return;
    }
    if (closed) {
      client.release();
      return;
    }
    current = client;
    client.on("notification", (message) => {
      if (message.channel === AGENT_CHANNEL) listener(payloadId(message.payload));
    });
    client.on("error", () => lost(client));
    client.on("end", () => lost(client));
    try {
      await client.query(`LISTEN ${AGENT_CHANNEL}`);
    } catch {
      lost(client);
      return;
    }
    if (current !== client) return;
    // Anything may have changed while nobody listened.
    if (failures > 0) listener(null);
    failures = 0;
    announceReady(true);
  };

  void connect();
  return {
    ready,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const client = current;
      current = undefined;
      if (client !== undefined) {
        try {
          await client.query(`UNLISTEN ${AGENT_CHANNEL}`);
        } catch {
          // The connection is discarded below either way.
        }
        client.removeAllListeners();
        client.release();
      }
      announceReady(false);
    },
  };
}
