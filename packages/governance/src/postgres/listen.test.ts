import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { AGENT_CHANNEL, watchAgents } from "./listen.js";

/** A pool whose clients are event emitters, so a test can drop the listening connection (an internal unit test). */
function fakePool() {
  const clients: (EventEmitter & { queries: string[]; released: unknown[] })[] = [];
  let refuse = 0;
  const pool = {
    totalCount: 0,
    query: async () => ({ rows: [] }),
    async connect() {
      if (refuse > 0) {
        refuse -= 1;
        throw new Error("connection refused");
      }
      const client = Object.assign(new EventEmitter(), {
        queries: [] as string[],
        released: [] as unknown[],
        async query(text: string) {
          client.queries.push(text);
          return { rows: [] };
        },
        release(error?: unknown) {
          client.released.push(error ?? "released");
        },
      });
      clients.push(client);
      return client;
    },
  };
  return { pool, clients, refuseNext: (n: number) => (refuse = n) };
}

describe("watchAgents on a pg pool", () => {
  it("listens, delivers notifications, flushes on a drop and reconnects with backoff", async () => {
    vi.useFakeTimers();
    try {
      const { pool, clients, refuseNext } = fakePool();
      const heard: (string | null)[] = [];
      const watch = watchAgents(pool as never, "pool", (id) => heard.push(id), 100);
      expect(await watch.ready).toBe(true);
      expect(clients[0]?.queries).toEqual([`LISTEN ${AGENT_CHANNEL}`]);
      clients[0]?.emit("notification", { channel: AGENT_CHANNEL, payload: "agent-1" });
      clients[0]?.emit("notification", { channel: "other", payload: "agent-2" });
      clients[0]?.emit("notification", { channel: AGENT_CHANNEL, payload: "" });
      expect(heard).toEqual(["agent-1", null]);

      refuseNext(1);
      clients[0]?.emit("error", new Error("connection terminated"));
      clients[0]?.emit("end");
      expect(heard).toEqual(["agent-1", null, null]);
      expect(clients[0]?.released).toEqual([true]);
      await vi.advanceTimersByTimeAsync(100); // refused: flush again, retry after 200 ms
      expect(heard).toEqual(["agent-1", null, null, null]);
      await vi.advanceTimersByTimeAsync(199);
      expect(clients).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(clients).toHaveLength(2);
      expect(heard).toEqual(["agent-1", null, null, null, null]); // listening again: anything may have changed
      clients[1]?.emit("notification", { channel: AGENT_CHANNEL, payload: "agent-3" });
      expect(heard.at(-1)).toBe("agent-3");

      await watch.close();
      expect(clients[1]?.queries.at(-1)).toBe(`UNLISTEN ${AGENT_CHANNEL}`);
      expect(clients[1]?.released).toEqual(["released"]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a client inside a transaction cannot listen: ready is false and the TTL applies", async () => {
    const watch = watchAgents({ query: async () => ({ rows: [] }) }, "client", () => {}, 100);
    expect(await watch.ready).toBe(false);
    await watch.close();
  });
});
