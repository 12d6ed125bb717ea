import type { SqlExecutor } from "@atom/sql";
import type { PostingOutcome, PostingRequest, StoredTransaction } from "../types.js";
import { type TableNames, toTransaction, type TransactionRow, transactionSelect } from "./rows.js";

/**
 * @internal Applies a posting with one statement, `SELECT ledger_post(…)` (migration 4), which checks the ledger's
 * rules under the account locks and writes the transaction, entries and balances. A key that already posted is
 * answered with one more read.
 */
export async function postOnce(db: Pick<SqlExecutor, "query">, t: TableNames, request: PostingRequest): Promise<PostingOutcome> {
  const { rows } = await db.query<{ currencies: string[] | null }>(
    `SELECT ${t.post}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::text[], $13::text[], $14::bigint[], $15::text[]) AS currencies`,
    [
      request.id, request.description, request.effectiveAt, request.createdAt, request.idempotency?.scope ?? null, request.idempotency?.key ?? null,
      request.fingerprint, request.sourceRef?.type ?? null, request.sourceRef?.id ?? null,
      request.metadata === null ? null : JSON.stringify(request.metadata), request.reverses,
      request.entries.map((e) => e.account), request.entries.map((e) => e.side), request.entries.map((e) => e.amount.toString()),
      request.entries.map((e) => e.currency),
    ],
  );
  const currencies = rows[0]?.currencies ?? null;
  if (currencies === null) {
    const key = request.idempotency as NonNullable<PostingRequest["idempotency"]>;
    const existing = await db.query<TransactionRow>(`${transactionSelect(t)} WHERE t.idempotency_scope = $1 AND t.idempotency_key = $2`, [key.scope, key.key]);
    return { status: "existing", transaction: toTransaction(existing.rows[0] as TransactionRow) };
  }
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
    entries: request.entries.map((e, i) => ({ account: e.account, side: e.side, amount: e.amount, currency: currencies[i] as string })),
  };
  return { status: "posted", transaction };
}
