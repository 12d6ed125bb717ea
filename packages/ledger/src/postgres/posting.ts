import type { SqlExecutor } from "@atom/sql";
import { LedgerAlreadyReversedError } from "../errors.js";
import { checkPosting, lowestBalanceSince } from "../posting-rules.js";
import type { PostingOutcome, PostingRequest, StoredTransaction } from "../types.js";
import { REFUSED_POSTING } from "./posting-function.js";
import { ACCOUNT_COLUMNS, type AccountRow, type TableNames, toAccount, toTransaction, type TransactionRow, transactionSelect } from "./rows.js";

/** Something that runs one parameterized statement (a pool, PGlite, or a transaction's executor). */
type Db = Pick<SqlExecutor, "query">;

function stored(request: PostingRequest, currencyOf: (account: string, index: number) => string): StoredTransaction {
  return {
    id: request.id,
    description: request.description,
    effectiveAt: request.effectiveAt,
    createdAt: request.createdAt,
    idempotency: request.idempotency,
    idempotencyKey: request.idempotency?.scope === "caller" ? request.idempotency.key : null,
    fingerprint: request.fingerprint,
    sourceRef: request.sourceRef,
    metadata: request.metadata,
    reverses: request.reverses,
    entries: request.entries.map((e, i) => ({ account: e.account, side: e.side, amount: e.amount, currency: currencyOf(e.account, i) })),
  };
}

function transactionParams(request: PostingRequest): unknown[] {
  return [
    request.id, request.description, request.effectiveAt.toISOString(), request.createdAt.toISOString(), request.idempotency?.scope ?? null,
    request.idempotency?.key ?? null,
    request.fingerprint, request.sourceRef?.type ?? null, request.sourceRef?.id ?? null,
    request.metadata === null ? null : JSON.stringify(request.metadata), request.reverses,
  ];
}

/** The transaction a key posted, or the reversal conflict, once an insert found its row taken. */
async function conflictOutcome(db: Db, t: TableNames, request: PostingRequest): Promise<PostingOutcome | undefined> {
  if (request.idempotency) {
    const { rows } = await db.query<TransactionRow>(`${transactionSelect(t)} WHERE t.idempotency_scope = $1 AND t.idempotency_key = $2`, [
      request.idempotency.scope,
      request.idempotency.key,
    ]);
    if (rows[0]) return { status: "existing", transaction: toTransaction(rows[0]) };
  }
  if (request.reverses !== null) {
    const { rows } = await db.query(`SELECT 1 FROM ${t.transactions} WHERE reverses = $1`, [request.reverses]);
    if (rows.length > 0) throw new LedgerAlreadyReversedError({ transactionId: request.reverses, reason: "was already reversed" });
  }
  return undefined;
}

/** @internal The posting on its own: one call of `ledger_apply_posting` (migration 5), sent by {@link postFast}. */
export function fastPostingSql(t: TableNames): string {
  return `SELECT ${t.applyPosting}($1::uuid, $2::text, $3::timestamptz, $4::timestamptz, $5::text, $6::text, $7::text, $8::text, $9::text,
  $10::jsonb, $11::uuid, $12::text[], $13::text[], $14::bigint[], $15::text[]) AS currencies`;
}

/** True for what makes the posting function refuse a posting (a broken rule, or a bigint overflow). */
export function isRefusedFastPosting(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === REFUSED_POSTING || code === "22003";
}

/** @internal Runs the posting on its own (`run` sends {@link fastPostingSql} with these parameters). */
export async function postFast(
  db: Db,
  run: (params: unknown[]) => Promise<{ rows: { currencies: string[] | null }[] }>,
  t: TableNames,
  request: PostingRequest,
): Promise<PostingOutcome> {
  const { rows } = await run([
    ...transactionParams(request),
    request.entries.map((e) => e.account),
    request.entries.map((e) => e.side),
    request.entries.map((e) => e.amount.toString()),
    request.entries.map((e) => e.currency),
  ]);
  const currencies = rows[0]?.currencies;
  if (currencies === undefined || currencies === null) {
    const outcome = await conflictOutcome(db, t, request);
    // Neither the key nor the reversal target: the random id itself was taken; the core retries with a new one.
    if (!outcome) throw Object.assign(new Error("[@atom/ledger] [postgres] transaction id taken"), { code: "23505" });
    return outcome;
  }
  return { status: "posted", transaction: stored(request, (_account, index) => currencies[index] as string) };
}

/**
 * @internal The exact posting, inside a storage transaction: lock the accounts in code order, apply `checkPosting`
 * (with the lowest balance since `effectiveAt` read under the locks), then write. Used inside transactions and when
 * the posting function refused the posting, so every refusal carries its precise typed error.
 */
export async function postChecked(tx: Db, t: TableNames, request: PostingRequest): Promise<PostingOutcome> {
  const taken = request.idempotency ? await conflictOutcome(tx, t, { ...request, reverses: null }) : undefined;
  if (taken) return taken;
  const codes = [...new Set(request.entries.map((e) => e.account))].sort();
  const locked = await tx.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${t.accounts} WHERE code = ANY($1::text[]) ORDER BY code FOR NO KEY UPDATE`, [codes]);
  if (request.reverses !== null) await conflictOutcome(tx, t, { ...request, idempotency: null });
  const checked = await checkPosting(request, locked.rows.map(toAccount), async (account) => {
    const { rows } = await tx.query<{ change: string }>(
      `SELECT sum(CASE WHEN side = $3 THEN amount ELSE -amount END)::text AS change FROM ${t.entries}
        WHERE account_code = $1 AND effective_at > $2 GROUP BY effective_at ORDER BY effective_at`,
      [account.code, request.effectiveAt, account.type === "asset" || account.type === "expense" ? "debit" : "credit"],
    );
    return lowestBalanceSince(account.balance, rows.map((row) => BigInt(row.change)));
  });
  const transaction = stored(request, (_account, index) => checked.entries[index]?.currency as string);
  await tx.query(
    `INSERT INTO ${t.transactions} (id, description, effective_at, created_at, idempotency_scope, idempotency_key, fingerprint, source_type, source_id, metadata, reverses)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
    transactionParams(request),
  );
  await tx.query(
    `INSERT INTO ${t.entries} (transaction_id, account_code, side, amount, currency, effective_at)
     SELECT $1, account, side, amount::bigint, currency, $2 FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])
       WITH ORDINALITY AS e(account, side, amount, currency, n) ORDER BY n`,
    [
      transaction.id, transaction.effectiveAt, transaction.entries.map((e) => e.account), transaction.entries.map((e) => e.side),
      transaction.entries.map((e) => e.amount.toString()), transaction.entries.map((e) => e.currency),
    ],
  );
  const balances = [...checked.balances];
  await tx.query(
    `UPDATE ${t.accounts} a SET balance = b.balance::bigint, last_posting = $3, last_effective_at = GREATEST(a.last_effective_at, $4)
       FROM unnest($1::text[], $2::text[]) AS b(code, balance) WHERE a.code = b.code`,
    [balances.map(([code]) => code), balances.map(([, balance]) => balance.toString()), request.id, request.effectiveAt],
  );
  return { status: "posted", transaction };
}
