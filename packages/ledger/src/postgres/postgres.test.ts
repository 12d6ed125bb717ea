import { createSqlExecutor, type SqlExecutor } from "@atom/sql";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runLedgerStorageConformance } from "../testing.js";
import { migrate, postgresLedger } from "../postgres.js";

let db: TestDatabase;
let sql: SqlExecutor;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlExecutor(db.client);
  expect(await migrate(db.client)).toEqual({ applied: [1, 2, 3, 4, 5, 6] });
});
afterAll(() => db.close());
beforeEach(async () => {
  await sql.query("TRUNCATE ledger_recognition_schedules, ledger_entries, ledger_transactions, ledger_accounts, ledger_invoices");
});

runLedgerStorageConformance({ name: `postgres (${process.env.DATABASE_URL ? "real server" : "PGlite"})`, create: () => postgresLedger({ pool: db.client }) });

describe("postgres ledger schema", () => {
  it("migrates idempotently", async () => {
    expect(await migrate(db.client)).toEqual({ applied: [] });
  });

  it("enforces the invariants in SQL too", async () => {
    await sql.query("INSERT INTO ledger_accounts (code, name, type, currency) VALUES ('x', 'x', 'asset', 'USD')");
    await expect(
      sql.query("INSERT INTO ledger_accounts (code, name, type, currency) VALUES ('y', 'y', 'bogus', 'USD')"),
    ).rejects.toThrow(/check constraint/);
    await expect(
      sql.query(
        "INSERT INTO ledger_transactions (id, description, effective_at, created_at, fingerprint) VALUES ('00000000-0000-4000-8000-000000000001', 'd', now(), now(), 'f')",
      ).then(() =>
        sql.query(
          "INSERT INTO ledger_entries (transaction_id, account_code, side, amount, currency, effective_at) VALUES ('00000000-0000-4000-8000-000000000001', 'x', 'debit', 0, 'USD', now())",
        ),
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it("refuses UPDATE and DELETE of posted entries and transactions, and balance writes outside a posting", async () => {
    const { createLedger } = await import("../index.js");
    const ledger = createLedger({ storage: postgresLedger({ pool: db.client }) });
    await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: "USD" });
    await ledger.createAccount({ code: "3000", name: "Capital", type: "equity", currency: "USD" });
    await ledger.post({ description: "d", entries: [{ account: "1000", side: "debit", amount: 5n }, { account: "3000", side: "credit", amount: 5n }] });
    for (const statement of [
      "UPDATE ledger_entries SET amount = 1",
      "DELETE FROM ledger_entries",
      "UPDATE ledger_transactions SET description = 'x'",
      "DELETE FROM ledger_transactions",
      "UPDATE ledger_accounts SET balance = 0 WHERE code = '1000'",
      "UPDATE ledger_accounts SET currency = 'EUR' WHERE code = '1000'",
    ]) {
      await expect(sql.query(statement), statement).rejects.toMatchObject({ code: "LG010" });
    }
    await sql.query("UPDATE ledger_accounts SET name = 'Cash at bank' WHERE code = '1000'");
    expect(await ledger.balance("1000")).toBe(5n);
    expect((await ledger.statement("1000")).lines).toHaveLength(1);
  });

  it("posts with one round trip to the database", async () => {
    const { createLedger } = await import("../index.js");
    const seen: string[] = [];
    const counted = new Proxy(db.client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== "query") return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        return (text: string | { text: string }, params?: unknown[]) => {
          seen.push(typeof text === "string" ? text : text.text);
          return (target as unknown as { query: (t: unknown, p?: unknown[]) => unknown }).query(text, params);
        };
      },
    });
    const ledger = createLedger({ storage: postgresLedger({ pool: counted }) });
    await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: "USD" });
    await ledger.createAccount({ code: "3000", name: "Capital", type: "equity", currency: "USD" });
    seen.length = 0;
    await ledger.post({ description: "d", idempotencyKey: "one-trip", entries: [{ account: "1000", side: "debit", amount: 5n }, { account: "3000", side: "credit", amount: 5n }] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^SELECT ledger_apply_posting\(/);
    expect(await ledger.balance("1000")).toBe(5n);
  });

  it("migrates and posts in a schema of its own", async () => {
    const { createLedger } = await import("../index.js");
    const schema = `ledger_own_${Date.now()}`;
    await sql.query(`CREATE SCHEMA ${schema}`);
    try {
      expect(await migrate(db.client, { schema })).toEqual({ applied: [1, 2, 3, 4, 5, 6] });
      const ledger = createLedger({ storage: postgresLedger({ pool: db.client, schema }) });
      await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: "EUR" });
      await ledger.createAccount({ code: "3000", name: "Capital", type: "equity", currency: "EUR" });
      const input = { description: "d", idempotencyKey: "own", entries: [{ account: "1000", side: "debit" as const, amount: 7n }, { account: "3000", side: "credit" as const, amount: 7n }] };
      const posted = await ledger.post(input);
      expect(posted.entries.map((e) => e.currency)).toEqual(["EUR", "EUR"]);
      expect((await ledger.post(input)).id).toBe(posted.id);
      await expect(ledger.post({ description: "overdraw", entries: [{ account: "1000", side: "credit", amount: 8n }, { account: "3000", side: "debit", amount: 8n }] })).rejects.toMatchObject({
        code: "LEDGER_NORMAL_BALANCE_VIOLATION",
      });
      await ledger.reverse(posted.id, { reason: "test" });
      expect(await ledger.balance("1000")).toBe(0n);
      expect((await sql.query<{ n: string }>("SELECT count(*)::text AS n FROM ledger_transactions")).rows[0]?.n).toBe("0");
    } finally {
      await sql.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it("refuses unknown options of migrate and postgresLedger, naming them, instead of using the default schema", async () => {
    await expect(migrate(db.client, { shema: "elsewhere" } as never)).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "shema" }) });
    expect(() => postgresLedger({ pool: db.client, shema: "elsewhere" } as never)).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "shema" }) }));
  });

  it("refuses a schema name that is not a plain identifier", () => {
    expect(() => postgresLedger({ pool: db.client, schema: "x; DROP TABLE y" })).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR" }));
  });
});

describe("postgres ledger: a call joins the caller's transaction", () => {
  /** Runs `fn` with a client inside an open transaction on the test database, then commits or rolls back. */
  async function inCallerTransaction(end: "COMMIT" | "ROLLBACK", fn: (client: unknown) => Promise<void>) {
    if (db.kind === "pglite") {
      const pglite = db.client as import("@electric-sql/pglite").PGlite;
      await pglite.transaction(async (tx) => {
        await fn(tx);
        if (end === "ROLLBACK") await tx.rollback();
      });
      return;
    }
    const client = await (db.client as import("pg").Pool).connect();
    try {
      await client.query("BEGIN");
      await fn(client);
      await client.query(end);
    } finally {
      client.release();
    }
  }

  const order = (amount: bigint) => ({
    description: "Order paid",
    entries: [
      { account: "1000", side: "debit" as const, amount },
      { account: "4000-USD", side: "credit" as const, amount },
    ],
  });

  it("commits and rolls back with the host's own writes", async () => {
    const { createLedger } = await import("../index.js");
    const ledger = createLedger({ storage: postgresLedger({ pool: db.client }) });
    await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: "USD" });
    await ledger.createAccount({ code: "4000-USD", name: "Revenue", type: "revenue", currency: "USD" });
    await sql.query("CREATE TABLE IF NOT EXISTS host_orders (id text PRIMARY KEY)");
    await sql.query("TRUNCATE host_orders");

    await inCallerTransaction("ROLLBACK", async (client) => {
      await (client as SqlExecutor).query("INSERT INTO host_orders VALUES ('o-1')");
      await ledger.post(order(700n), { client });
      expect(await ledger.balance("1000", { client })).toBe(700n);
    });
    expect(await ledger.balance("1000")).toBe(0n);
    expect((await sql.query("SELECT id FROM host_orders")).rows).toEqual([]);

    await inCallerTransaction("COMMIT", async (client) => {
      await (client as SqlExecutor).query("INSERT INTO host_orders VALUES ('o-2')");
      await ledger.post(order(900n), { client });
      // A refused posting inside the caller's transaction rolls back to its savepoint; the transaction goes on.
      await expect(ledger.post(order(0n), { client })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
      await expect(ledger.post({ ...order(5n), entries: [order(5n).entries[0] as never, { account: "9999", side: "credit", amount: 5n }] }, { client })).rejects.toMatchObject({
        code: "LEDGER_ACCOUNT_NOT_FOUND",
      });
    });
    expect(await ledger.balance("1000")).toBe(900n);
    expect((await sql.query("SELECT id FROM host_orders")).rows).toEqual([{ id: "o-2" }]);
    await expect(ledger.balance("1000", { client: {} })).rejects.toMatchObject({ details: expect.objectContaining({ field: "client" }) });
  });
});

describe("postgres ledger with the host's own invoice table", () => {
  it("reads and updates the host's invoices inside the ledger's transaction", async () => {
    const { createLedger } = await import("../index.js");
    await sql.query(
      "CREATE TABLE IF NOT EXISTS host_invoices (id text PRIMARY KEY, customer text NOT NULL, cents bigint NOT NULL, state text NOT NULL)",
    );
    await sql.query("TRUNCATE host_invoices");
    await sql.query("INSERT INTO host_invoices VALUES ('h-1', 'acme', 9900, 'draft'), ('h-2', 'acme', 100, 'draft')");
    const toStatus = { draft: "DRAFT", open: "OPEN", void: "VOID" } as const;
    let failStatus = false;
    const invoices: import("../index.js").InvoiceSource = {
      async getInvoice(id, { lock }, { connection }) {
        const { rows } = await (connection as NonNullable<typeof connection>).query<{ id: string; customer: string; cents: string; state: keyof typeof toStatus }>(
          `SELECT id, customer, cents::text AS cents, state FROM host_invoices WHERE id = $1${lock ? " FOR UPDATE" : ""}`,
          [id],
        );
        const row = rows[0];
        if (!row) return undefined;
        return { id: row.id, customerId: row.customer, amount: BigInt(row.cents), currency: "USD", status: toStatus[row.state], description: "", createdAt: new Date(0) };
      },
      async setInvoiceStatus(id, status, { connection }) {
        if (failStatus) throw new Error("host trigger refused");
        await (connection as NonNullable<typeof connection>).query("UPDATE host_invoices SET state = $2 WHERE id = $1", [id, status.toLowerCase()]);
      },
    };
    const ledger = createLedger({ storage: postgresLedger({ pool: db.client }), invoices });
    await ledger.recordDeferral("h-1", { via: "receivable" });
    await ledger.recognizeRevenue("h-1");
    expect((await sql.query("SELECT state FROM host_invoices WHERE id = 'h-1'")).rows).toEqual([{ state: "open" }]);
    expect(await ledger.balance("4000-USD")).toBe(9_900n);

    await ledger.recordDeferral("h-2", { via: "receivable" });
    failStatus = true;
    await expect(ledger.recognizeRevenue("h-2")).rejects.toThrow("host trigger refused");
    expect(await ledger.balance("4000-USD")).toBe(9_900n);
    expect((await sql.query("SELECT state FROM host_invoices WHERE id = 'h-2'")).rows).toEqual([{ state: "draft" }]);
  });
});
