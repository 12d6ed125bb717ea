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
  expect(await migrate(db.client)).toEqual({ applied: [1, 2] });
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

  it("refuses a schema name that is not a plain identifier", () => {
    expect(() => postgresLedger({ pool: db.client, schema: "x; DROP TABLE y" })).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR" }));
  });
});
