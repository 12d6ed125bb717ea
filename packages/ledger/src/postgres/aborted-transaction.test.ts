import { createSqlExecutor, type SqlExecutor } from "@atom/sql";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLedger, type InvoiceSource, type Ledger } from "../index.js";
import { migrate, postgresLedger } from "../postgres.js";

let db: TestDatabase;
let sql: SqlExecutor;
let ledger: Ledger;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlExecutor(db.client);
  await migrate(db.client);
  // A host trigger that fails in the database, so a scope call aborts the Postgres transaction.
  await sql.exec(`CREATE FUNCTION host_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.description = 'refused by the host' THEN RAISE EXCEPTION 'host rule' USING ERRCODE = 'P0001'; END IF; RETURN NEW; END;
$$;
CREATE TRIGGER host_refuse BEFORE INSERT ON ledger_transactions FOR EACH ROW EXECUTE FUNCTION host_refuse();`);
  ledger = createLedger({ storage: postgresLedger({ pool: db.client }) });
});
afterAll(() => db.close());
beforeEach(async () => {
  await sql.query("TRUNCATE ledger_recognition_schedules, ledger_entries, ledger_transactions, ledger_accounts, ledger_invoices");
  await ledger.createAccount({ code: "1000", name: "Cash", type: "asset", currency: "USD" });
  await ledger.createAccount({ code: "3000", name: "Capital", type: "equity", currency: "USD" });
});

const invest = (amount: bigint, description = "investment") => ({
  description,
  entries: [
    { account: "1000", side: "debit" as const, amount },
    { account: "3000", side: "credit" as const, amount },
  ],
});

const aborted = { code: "TRANSACTION_ABORTED", status: 500, details: { scope: "transaction" } };

describe(`postgres ledger: a transaction Postgres rolled back (${process.env.DATABASE_URL ? "real server" : "PGlite"})`, () => {
  it("hands the callback a typed error for a database failure inside the scope, and never resolves as committed", async () => {
    let seen: unknown;
    const outcome = ledger.withTransaction(async (scope) => {
      const good = await scope.post(invest(100n, "good"));
      try {
        await scope.post(invest(1n, "refused by the host"));
      } catch (error) {
        seen = error;
      }
      return good.id;
    });
    await expect(outcome).rejects.toMatchObject(aborted);
    expect(seen).toMatchObject({ name: "DatabaseError", code: "DATABASE_ERROR", message: "[@atom/ledger] [postgres] database operation failed" });
    expect(await ledger.balance("1000")).toBe(0n);
    expect((await ledger.statement("1000")).lines).toHaveLength(0);
  });

  it("refuses an invoice operation whose InvoiceSource swallowed a failed statement, posting nothing", async () => {
    await sql.query("CREATE TABLE IF NOT EXISTS billing (id text PRIMARY KEY, cents bigint NOT NULL, status text NOT NULL CHECK (status IN ('DRAFT', 'OPEN')))");
    await sql.query("TRUNCATE billing");
    await sql.query("INSERT INTO billing VALUES ('b-1', 120000, 'DRAFT')");
    const invoices: InvoiceSource = {
      async getInvoice(id, { lock }, { connection }) {
        const { rows } = await (connection as NonNullable<typeof connection>).query<{ id: string; cents: string; status: "DRAFT" }>(
          `SELECT id, cents::text AS cents, status FROM billing WHERE id = $1${lock ? " FOR UPDATE" : ""}`,
          [id],
        );
        const row = rows[0];
        return row && { id: row.id, customerId: "c", amount: BigInt(row.cents), currency: "USD", status: row.status, description: "", createdAt: new Date(0) };
      },
      async setInvoiceStatus(id, status, { connection }) {
        // A host bug: the CHECK fails, and the error is logged, not thrown.
        await (connection as NonNullable<typeof connection>).query("UPDATE billing SET status = $2 WHERE id = $1", [id, status.toLowerCase()]).catch(() => undefined);
      },
    };
    const hosted = createLedger({ storage: postgresLedger({ pool: db.client }), invoices });
    await expect(hosted.recognizeRevenue("b-1")).rejects.toMatchObject(aborted);
    expect(await hosted.transactionsBySource("invoice", "b-1")).toEqual([]);
    expect((await sql.query("SELECT status FROM billing")).rows).toEqual([{ status: "DRAFT" }]);
  });
});
