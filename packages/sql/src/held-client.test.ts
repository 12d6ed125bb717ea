import { proxyTo } from "@atom/test-db";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { checkOutClient, createSqlExecutor } from "./index.js";

const url = process.env.DATABASE_URL;

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

// A held client whose connection drops between statements emits `error`; with nobody listening, that error is thrown
// out of the process (Vitest fails the file on it). These tests hold clients across such a drop.
describe.runIf(Boolean(url))("a checked-out client whose connection is lost", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  async function setup() {
    const proxy = await proxyTo(new URL(url as string));
    const pool = new pg.Pool({ connectionString: proxy.url, max: 2 });
    pool.on("error", () => undefined);
    cleanup.push(async () => {
      await pool.end().catch(() => undefined);
      proxy.down();
    });
    return { proxy, pool };
  }

  it("checkOutClient keeps the loss: the next statement rejects and release discards the connection", async () => {
    const { proxy, pool } = await setup();
    const { client, release } = await checkOutClient(pool);
    await client.query("SELECT 1");
    proxy.cut();
    await settle();
    await expect(client.query("SELECT 1")).rejects.toThrow();
    release();
    expect(pool.totalCount).toBe(0);
  });

  it("a transaction whose connection drops between statements rejects, and its connection leaves the pool", async () => {
    const { proxy, pool } = await setup();
    const sql = createSqlExecutor(pool);
    await expect(
      sql.transaction(async (tx) => {
        await tx.query("SELECT 1");
        proxy.cut();
        await settle();
        await tx.query("SELECT 2");
      }),
    ).rejects.toThrow();
    expect(pool.totalCount).toBe(0);
    // The pool still serves new connections.
    const { rows } = await sql.query<{ n: number }>("SELECT 3 AS n");
    expect(rows).toEqual([{ n: 3 }]);
  });

  it("release returns a healthy client to the pool", async () => {
    const { pool } = await setup();
    const { client, release } = await checkOutClient(pool);
    await client.query("SELECT 1");
    release();
    expect(pool.totalCount).toBe(1);
    expect(pool.idleCount).toBe(1);
    expect((client as unknown as pg.PoolClient).listenerCount("error")).toBe(1); // the pool's own idle listener only
  });
});
