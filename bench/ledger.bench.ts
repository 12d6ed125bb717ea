import { randomUUID } from "node:crypto";
import { createLedger } from "@atom/ledger";
import { migrate, postgresLedger } from "@atom/ledger/postgres";
import { createTestDatabase } from "@atom/test-db";
import pg from "pg";
import { afterAll, bench, describe } from "vitest";

// Uses DATABASE_URL (a real server) when set, PGlite otherwise; 8 writers post 2-leg transfers concurrently.
const WRITERS = 8;
const PER_ITERATION = 80;
const db = await createTestDatabase({ max: WRITERS + 2 });
await migrate(db.client);
const ledger = createLedger({ storage: postgresLedger({ pool: db.client }) });
afterAll(() => db.close());

async function chart(prefix: string, count: number) {
  for (let i = 0; i < count; i++) {
    await ledger.createAccount({ code: `${prefix}${i}`, name: `${prefix}${i}`, type: "asset", currency: "USD", allowNegative: true });
  }
}
await chart("S", 10);
await chart("L", 1000);

let counter = 0;
function pair(prefix: string, count: number): [string, string] {
  const n = counter++;
  const from = n % count;
  const to = (from + 1 + (n % (count - 1))) % count;
  return [`${prefix}${from}`, `${prefix}${to}`].sort() as [string, string];
}

async function concurrently(post: () => Promise<unknown>) {
  let left = PER_ITERATION;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (left-- > 0) await post();
    }),
  );
}

async function handWritten(prefix: string, count: number) {
  const [a, b] = pair(prefix, count);
  const client = db.kind === "postgres" ? await (db.client as pg.Pool).connect() : undefined;
  const q = (text: string, params: unknown[] = []) => (client ?? (db.client as pg.Pool)).query(text, params);
  const id = randomUUID();
  const run = async (exec: typeof q) => {
    await exec("SELECT code FROM ledger_accounts WHERE code = ANY($1::text[]) ORDER BY code FOR UPDATE", [[a, b]]);
    await exec("UPDATE ledger_accounts SET balance = balance + 5 WHERE code = $1", [a]);
    await exec("UPDATE ledger_accounts SET balance = balance - 5 WHERE code = $1", [b]);
    await exec("INSERT INTO ledger_transactions (id, description, effective_at, created_at, fingerprint) VALUES ($1, 'raw', now(), now(), 'raw')", [id]);
    await exec(
      "INSERT INTO ledger_entries (transaction_id, account_code, side, amount, currency, effective_at) VALUES ($1, $2, 'debit', 5, 'USD', now()), ($1, $3, 'credit', 5, 'USD', now())",
      [id, a, b],
    );
  };
  if (client) {
    try {
      await q("BEGIN");
      await run(q);
      await q("COMMIT");
    } finally {
      client.release();
    }
  } else {
    const lite = db.client as unknown as { transaction<T>(fn: (tx: { query: typeof q }) => Promise<T>): Promise<T> };
    await lite.transaction((tx) => run((text, params) => tx.query(text, params)));
  }
}

function viaLedger(prefix: string, count: number) {
  const [a, b] = pair(prefix, count);
  return ledger.post({
    description: "transfer",
    entries: [
      { account: a, side: "debit", amount: 5n },
      { account: b, side: "credit", amount: 5n },
    ],
  });
}

for (const [label, prefix, count] of [["10 accounts", "S", 10], ["1,000 accounts", "L", 1000]] as const) {
  describe(`${PER_ITERATION} two-leg transfers by ${WRITERS} concurrent writers, ${label} (${db.kind})`, () => {
    bench("@atom/ledger post", () => concurrently(() => viaLedger(prefix, count)), { iterations: 10, warmupIterations: 1 });
    bench("hand-written SQL, one transaction per posting", () => concurrently(() => handWritten(prefix, count)), {
      iterations: 10,
      warmupIterations: 1,
    });
  });
}
