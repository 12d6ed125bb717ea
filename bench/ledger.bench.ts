import { randomUUID } from "node:crypto";
import { createLedger } from "@atom/ledger";
import { migrate, postgresLedger } from "@atom/ledger/postgres";
import { createTestDatabase } from "@atom/test-db";
import pg from "pg";
import { afterAll, bench, describe } from "vitest";

// Uses DATABASE_URL (a real server) when set, PGlite otherwise; 8 writers post 2-leg transfers concurrently.
// The hand-written baselines work on their own copy of the ledger's tables (same columns, keys and indexes, no
// triggers), the way an application without @atom/ledger would.
const WRITERS = 8;
const PER_ITERATION = 80;
const db = await createTestDatabase({ max: WRITERS + 2 });
await migrate(db.client);
const ledger = createLedger({ storage: postgresLedger({ pool: db.client }) });
afterAll(() => db.close());

type Query = (text: string, params?: unknown[]) => Promise<unknown>;
const query: Query = (text, params) => (db.client as pg.Pool).query(text, params);

await query(`CREATE TABLE bench_accounts (code text PRIMARY KEY, currency char(3) NOT NULL, balance bigint NOT NULL DEFAULT 0)`);
await query(`CREATE TABLE bench_transactions (id uuid PRIMARY KEY, description text NOT NULL, effective_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL, idempotency_key text UNIQUE, fingerprint text NOT NULL)`);
await query(`CREATE TABLE bench_entries (seq bigserial PRIMARY KEY, transaction_id uuid NOT NULL REFERENCES bench_transactions (id),
  account_code text NOT NULL REFERENCES bench_accounts (code), side text NOT NULL CHECK (side IN ('debit', 'credit')),
  amount bigint NOT NULL CHECK (amount > 0), currency char(3) NOT NULL, effective_at timestamptz NOT NULL)`);
await query("CREATE INDEX bench_entries_account ON bench_entries (account_code, effective_at, seq)");

async function chart(prefix: string, count: number) {
  for (let i = 0; i < count; i++) {
    await ledger.createAccount({ code: `${prefix}${i}`, name: `${prefix}${i}`, type: "asset", currency: "USD", allowNegative: true });
    await query("INSERT INTO bench_accounts (code, currency) VALUES ($1, 'USD')", [`${prefix}${i}`]);
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

/** BEGIN; lock both rows in code order; two balance updates; the transaction and its entries; COMMIT: 7 round trips. */
async function multiStatement(prefix: string, count: number) {
  const [a, b] = pair(prefix, count);
  const id = randomUUID();
  const run = async (exec: Query) => {
    await exec("SELECT code FROM bench_accounts WHERE code = ANY($1::text[]) ORDER BY code FOR NO KEY UPDATE", [[a, b]]);
    await exec("UPDATE bench_accounts SET balance = balance + 5 WHERE code = $1", [a]);
    await exec("UPDATE bench_accounts SET balance = balance - 5 WHERE code = $1", [b]);
    await exec("INSERT INTO bench_transactions (id, description, effective_at, created_at, fingerprint) VALUES ($1, 'raw', now(), now(), 'raw')", [id]);
    await exec(
      "INSERT INTO bench_entries (transaction_id, account_code, side, amount, currency, effective_at) VALUES ($1, $2, 'debit', 5, 'USD', now()), ($1, $3, 'credit', 5, 'USD', now())",
      [id, a, b],
    );
  };
  if (db.kind === "postgres") {
    const client = await (db.client as pg.Pool).connect();
    try {
      await client.query("BEGIN");
      await run((text, params) => client.query(text, params));
      await client.query("COMMIT");
    } finally {
      client.release();
    }
  } else {
    const lite = db.client as unknown as { transaction<T>(fn: (tx: { query: Query }) => Promise<T>): Promise<T> };
    await lite.transaction((tx) => run((text, params) => tx.query(text, params)));
  }
}

/** The same work as one statement (a CTE: lock in code order, update, insert), one round trip, no validation. */
const SINGLE = `WITH locked AS (
    SELECT code FROM bench_accounts WHERE code = ANY(ARRAY[$2::text, $3::text]) ORDER BY code FOR NO KEY UPDATE
  ), moved AS (
    UPDATE bench_accounts a SET balance = a.balance + CASE WHEN a.code = $2::text THEN 5 ELSE -5 END FROM locked l WHERE a.code = l.code RETURNING a.code
  ), tx AS (
    INSERT INTO bench_transactions (id, description, effective_at, created_at, fingerprint) VALUES ($1, 'raw', now(), now(), 'raw') RETURNING id
  )
  INSERT INTO bench_entries (transaction_id, account_code, side, amount, currency, effective_at)
  SELECT tx.id, e.code, e.side, 5, 'USD', now() FROM tx, (VALUES ($2::text, 'debit'), ($3::text, 'credit')) AS e(code, side)`;

function singleStatement(prefix: string, count: number) {
  const [a, b] = pair(prefix, count);
  return query(SINGLE, [randomUUID(), a, b]);
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

const charts = [["10 accounts", "S", 10], ["1,000 accounts", "L", 1000]] as const;
// Before anything is timed, every contender posts WARMUP bursts on both charts: V8 needs a few thousand postings to
// optimize the ledger's JavaScript (validation, fingerprint, result mapping; the hand-written SQL has next to none),
// and each pooled connection compiles the posting function once. Without it the first contender measured the JIT.
// PGlite (no DATABASE_URL) is a functional check more than a measurement, so it warms up less.
const WARMUP = db.kind === "postgres" ? 40 : 10;
for (const [, prefix, count] of charts) {
  for (const post of [viaLedger, singleStatement, multiStatement]) for (let i = 0; i < WARMUP; i++) await concurrently(() => post(prefix, count));
}

const options = { iterations: 10, warmupIterations: 1 };
for (const [label, prefix, count] of charts) {
  describe(`${PER_ITERATION} two-leg transfers by ${WRITERS} concurrent writers, ${label} (${db.kind})`, () => {
    bench("@atom/ledger post", () => concurrently(() => viaLedger(prefix, count)), options);
    bench("hand-written SQL, one statement per posting", () => concurrently(() => singleStatement(prefix, count)), options);
    bench("hand-written SQL, multi-statement transaction per posting", () => concurrently(() => multiStatement(prefix, count)), options);
  });
}
