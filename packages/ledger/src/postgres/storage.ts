import { createSqlExecutor, type MigrationResult, runMigrations, type SqlDatabase, type SqlExecutor } from "@atom/sql";
import { createHash } from "node:crypto";
import { z } from "zod";
import { parseInput, ValidationError } from "@atom/errors";
import type {
  EntryRow,
  EntryTotals,
  Invoice,
  InvoiceStatus,
  LedgerStorage,
  LedgerStorageTx,
  NormalSide,
} from "../types.js";
import { atomMigrations } from "./atom-migrations.js";
import { isUniqueViolation, mapDriverErrors, mappingDriverErrors, retried } from "./driver-errors.js";
import { fastPostingSql, isRefusedFastPosting, postChecked, postFast } from "./posting.js";
import { ACCOUNT_COLUMNS, type AccountRow, names, toAccount, toTransaction, type TransactionRow, transactionSelect } from "./rows.js";
import { scheduleStorage } from "./schedules.js";

/** Options of {@link postgresLedger} and {@link migrate}. */
export interface PostgresLedgerOptions {
  /** Your `pg.Pool`, a PGlite instance, or a client inside your own transaction (the ledger then joins it). */
  pool: SqlDatabase;
  /** Schema holding the ledger tables. @default the connection's search_path */
  schema?: string;
}

const optionsSchema = z.strictObject({
  pool: z.custom<SqlDatabase>((v) => typeof (v as { query?: unknown } | null)?.query === "function", "must be a pg.Pool, PGlite or client"),
  schema: z.string().optional(),
});

interface InvoiceRow {
  id: string;
  customer_id: string;
  amount: string;
  currency: string;
  status: InvoiceStatus;
  description: string;
  created_at: Date;
}

function toInvoice(row: InvoiceRow): Invoice {
  return {
    id: row.id,
    customerId: row.customer_id,
    amount: BigInt(row.amount),
    currency: row.currency,
    status: row.status,
    description: row.description,
    createdAt: new Date(row.created_at),
  };
}

/**
 * Sends the posting function call as a named prepared statement on a `pg` pool, so each connection parses it once;
 * PGlite and other drivers get it as a plain parameterized query.
 */
function preparedRunner(pool: SqlDatabase, text: string, sql: SqlExecutor) {
  type Row = { currencies: string[] | null };
  const named = pool as { query?: unknown; connect?: unknown; totalCount?: unknown };
  if (typeof named.connect !== "function" || typeof named.totalCount !== "number") return (values: unknown[]) => sql.query<Row>(text, values);
  const name = `atom_ledger_post_${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
  const query = named.query as (config: { name: string; text: string; values: unknown[] }) => Promise<{ rows: Row[] }>;
  return (values: unknown[]) => query.call(pool, { name, text, values });
}

/** The executor a call runs on: the ledger's own, or (savepoints only) the caller's client inside its transaction. */
function callerExecutor(client: unknown, own: SqlExecutor): SqlExecutor {
  if (client === undefined) return own;
  if (typeof (client as { query?: unknown } | null)?.query !== "function") {
    throw new ValidationError({
      field: "client",
      message: "[@atom/ledger] [postgres] client must be a pg client or PGlite transaction inside your open transaction",
    });
  }
  return createSqlExecutor(client as SqlDatabase);
}

function totalsOf(rows: { side: NormalSide; total: string }[]): EntryTotals {
  const totals = { debit: 0n, credit: 0n };
  for (const row of rows) totals[row.side] = BigInt(row.total);
  return totals;
}

/**
 * Creates or upgrades the ledger tables (versioned, idempotent, safe to run from several processes at once).
 * @throws {ValidationError} for an unknown option (`shema`) or a `schema` that is not a plain identifier
 * @example await migrate(pool);
 */
export async function migrate(pool: SqlDatabase, options: { schema?: string } = {}): Promise<MigrationResult> {
  return runMigrations(createSqlExecutor(pool), atomMigrations(options));
}

/**
 * Ledger storage on PostgreSQL (or PGlite). Balances are updated in the same transaction as the entries, with the
 * touched account rows locked in code order (`FOR UPDATE`), so concurrent writers never lose an update or deadlock;
 * serialization failures and deadlocks are retried by `@atom/sql`. Run {@link migrate} first.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 * const ledger = createLedger({ storage: postgresLedger({ pool }) });
 * ```
 * @throws {ValidationError} when `pool` is missing or `schema` is not a plain identifier
 */
export function postgresLedger(options: PostgresLedgerOptions): LedgerStorage {
  const parsed = parseInput(optionsSchema, options, "[@atom/ledger] [postgres] postgresLedger");
  const t = names(parsed.schema);
  const sql = createSqlExecutor(parsed.pool);
  const txSelect = transactionSelect(t);
  const fastText = fastPostingSql(t);
  const runFast = preparedRunner(parsed.pool, fastText, sql);

  // Every operation maps its driver errors, so a failure inside `withTransaction` reaches the callback typed too.
  // The connection handed to an `InvoiceSource` stays raw: the host's own queries, the host's own errors.
  const open = (tx: SqlExecutor): LedgerStorageTx => mappingDriverErrors({
    connection: { query: (text, params) => tx.query(text, params) },
    ...scheduleStorage(tx, t.schedules),
    post: (request) => postChecked(tx, t, request),
    async getAccount(code) {
      const { rows } = await tx.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${t.accounts} WHERE code = $1`, [code]);
      return rows[0] ? toAccount(rows[0]) : undefined;
    },
    async insertAccount(account) {
      const { rows } = await tx.query(
        `INSERT INTO ${t.accounts} (code, name, type, currency, allow_negative) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING RETURNING code`,
        [account.code, account.name, account.type, account.currency, account.allowNegative],
      );
      return rows.length === 1;
    },
    async listAccounts() {
      const { rows } = await tx.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${t.accounts} ORDER BY code`);
      return rows.map(toAccount);
    },
    async getTransaction(id) {
      if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
      const { rows } = await tx.query<TransactionRow>(`${txSelect} WHERE t.id = $1`, [id]);
      return rows[0] ? toTransaction(rows[0]) : undefined;
    },
    async findByIdempotencyKey({ scope, key }) {
      const { rows } = await tx.query<TransactionRow>(`${txSelect} WHERE t.idempotency_scope = $1 AND t.idempotency_key = $2`, [scope, key]);
      return rows[0] ? toTransaction(rows[0]) : undefined;
    },
    async findReversal(id) {
      const { rows } = await tx.query<TransactionRow>(`${txSelect} WHERE t.reverses = $1`, [id]);
      return rows[0] ? toTransaction(rows[0]) : undefined;
    },
    async transactionsBySource(source) {
      const { rows } = await tx.query<TransactionRow>(
        `${txSelect} WHERE t.source_type = $1 AND t.source_id = $2 ORDER BY t.created_at, t.id`,
        [source.type, source.id],
      );
      return rows.map(toTransaction);
    },
    async totals(code, asOf) {
      const { rows } = await tx.query<{ side: NormalSide; total: string }>(
        `SELECT side, sum(amount)::text AS total FROM ${t.entries} WHERE account_code = $1 AND effective_at <= $2 GROUP BY side`,
        [code, asOf],
      );
      return totalsOf(rows);
    },
    async totalsAfter(after, code) {
      const { rows } = await tx.query<{ account_code: string; side: NormalSide; total: string }>(
        `SELECT account_code, side, sum(amount)::text AS total FROM ${t.entries}
          WHERE effective_at > $1 AND ($2::text IS NULL OR account_code = $2) GROUP BY account_code, side`,
        [after, code ?? null],
      );
      const totals = new Map<string, EntryTotals>();
      for (const row of rows) {
        const total = totals.get(row.account_code) ?? { debit: 0n, credit: 0n };
        total[row.side] = BigInt(row.total);
        totals.set(row.account_code, total);
      }
      return totals;
    },
    async totalsBefore(code, position) {
      const { rows } = await tx.query<{ side: NormalSide; total: string }>(
        `SELECT side, sum(amount)::text AS total FROM ${t.entries}
          WHERE account_code = $1 AND (effective_at, seq) < ($2::timestamptz, $3::bigint) GROUP BY side`,
        [code, position.effectiveAt, position.seq.toString()],
      );
      return totalsOf(rows);
    },
    async listEntries(code, options) {
      const { rows } = await tx.query<{ seq: string; transaction_id: string; description: string; effective_at: Date; side: NormalSide; amount: string }>(
        `SELECT e.seq::text AS seq, e.transaction_id, t.description, e.effective_at, e.side, e.amount::text AS amount
           FROM ${t.entries} e JOIN ${t.transactions} t ON t.id = e.transaction_id
          WHERE e.account_code = $1
            AND ($2::timestamptz IS NULL OR e.effective_at >= $2)
            AND ($3::timestamptz IS NULL OR e.effective_at <= $3)
            AND ($4::timestamptz IS NULL OR (e.effective_at, e.seq) > ($4::timestamptz, $5::bigint))
          ORDER BY e.effective_at, e.seq LIMIT $6`,
        [code, options.from ?? null, options.to ?? null, options.after?.effectiveAt ?? null, options.after?.seq.toString() ?? null, options.limit],
      );
      return rows.map(
        (row): EntryRow => ({
          seq: BigInt(row.seq),
          transactionId: row.transaction_id,
          description: row.description,
          effectiveAt: new Date(row.effective_at),
          side: row.side,
          amount: BigInt(row.amount),
        }),
      );
    },
    async getInvoice(id, opts) {
      const { rows } = await tx.query<InvoiceRow>(
        `SELECT id, customer_id, amount::text AS amount, currency, status, description, created_at FROM ${t.invoices} WHERE id = $1${opts?.lock ? " FOR UPDATE" : ""}`,
        [id],
      );
      return rows[0] ? toInvoice(rows[0]) : undefined;
    },
    async insertInvoice(invoice) {
      await tx.query(
        `INSERT INTO ${t.invoices} (id, customer_id, amount, currency, status, description, created_at) VALUES ($1, $2, $3::bigint, $4, $5, $6, $7)`,
        [invoice.id, invoice.customerId, invoice.amount.toString(), invoice.currency, invoice.status, invoice.description, invoice.createdAt],
      );
    },
    async setInvoiceStatus(id, status) {
      await tx.query(`UPDATE ${t.invoices} SET status = $2 WHERE id = $1`, [id, status]);
    },
  } satisfies LedgerStorageTx);

  return {
    transaction: (fn, options) => mapDriverErrors(() => callerExecutor(options?.client, sql).transaction((tx) => fn(open(tx)))),
    // A posting on its own is one function call, without BEGIN/COMMIT (the statement is atomic). When the rules refuse
    // it, the exact multi-statement posting runs in a transaction and throws the precise error. In a caller's
    // transaction a savepoint keeps a refused posting from aborting it.
    post: (request, options) =>
      mapDriverErrors(async () => {
        if (options?.client !== undefined) return callerExecutor(options.client, sql).transaction((tx) => postChecked(tx, t, request));
        try {
          return await retried(() => postFast(sql, runFast, t, request));
        } catch (error) {
          if (!isRefusedFastPosting(error)) throw error;
          return sql.transaction((tx) => postChecked(tx, t, request));
        }
      }),
    isUniqueViolation,
  };
}
