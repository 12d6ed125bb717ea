import type { SqlExecutor } from "@atom/sql";
import { LedgerAlreadyReversedError } from "../errors.js";
import { checkPosting, lowestBalanceSince } from "../posting-rules.js";
import type { PostingOutcome, PostingRequest, StoredTransaction } from "../types.js";
import { ACCOUNT_COLUMNS, type AccountRow, type TableNames, toAccount, toTransaction, type TransactionRow, transactionSelect } from "./rows.js";

/** @internal Applies a posting inside a storage transaction: lock the accounts in code order, check, write. */
export async function postIn(tx: SqlExecutor, t: TableNames, request: PostingRequest): Promise<PostingOutcome> {
  if (request.idempotency) {
    const { rows } = await tx.query<TransactionRow>(`${transactionSelect(t)} WHERE t.idempotency_scope = $1 AND t.idempotency_key = $2`, [
      request.idempotency.scope,
      request.idempotency.key,
    ]);
    if (rows[0]) return { status: "existing", transaction: toTransaction(rows[0]) };
  }
  const codes = [...new Set(request.entries.map((e) => e.account))].sort();
  const locked = await tx.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ${t.accounts} WHERE code = ANY($1::text[]) ORDER BY code FOR NO KEY UPDATE`, [codes]);
  if (request.reverses !== null) {
    const { rows } = await tx.query(`SELECT 1 FROM ${t.transactions} WHERE reverses = $1`, [request.reverses]);
    if (rows.length > 0) throw new LedgerAlreadyReversedError({ transactionId: request.reverses, reason: "was already reversed" });
  }
  const checked = await checkPosting(request, locked.rows.map(toAccount), async (account) => {
    const { rows } = await tx.query<{ change: string }>(
      `SELECT sum(CASE WHEN side = $3 THEN amount ELSE -amount END)::text AS change FROM ${t.entries}
        WHERE account_code = $1 AND effective_at > $2 GROUP BY effective_at ORDER BY effective_at`,
      [account.code, request.effectiveAt, account.type === "asset" || account.type === "expense" ? "debit" : "credit"],
    );
    return lowestBalanceSince(account.balance, rows.map((row) => BigInt(row.change)));
  });
  const transaction: StoredTransaction = {
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
    entries: checked.entries,
  };
  await tx.query(
    `INSERT INTO ${t.transactions} (id, description, effective_at, created_at, idempotency_scope, idempotency_key, fingerprint, source_type, source_id, metadata, reverses)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
    [
      transaction.id, transaction.description, transaction.effectiveAt, transaction.createdAt, request.idempotency?.scope ?? null,
      request.idempotency?.key ?? null, transaction.fingerprint, transaction.sourceRef?.type ?? null, transaction.sourceRef?.id ?? null,
      transaction.metadata === null ? null : JSON.stringify(transaction.metadata), transaction.reverses,
    ],
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
  await tx.query(`UPDATE ${t.accounts} a SET balance = b.balance::bigint FROM unnest($1::text[], $2::text[]) AS b(code, balance) WHERE a.code = b.code`, [
    balances.map(([code]) => code),
    balances.map(([, balance]) => balance.toString()),
  ]);
  return { status: "posted", transaction };
}
