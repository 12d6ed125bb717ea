import { quoteIdentifier } from "@atom/sql";
import type { AccountBalance, AccountType, KeyScope, NormalSide, StoredTransaction } from "../types.js";

/** @internal */
export interface AccountRow {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  allow_negative: boolean;
  balance: string;
}

/** @internal A transaction as {@link transactionSelect} returns it. */
export interface TransactionRow {
  id: string;
  description: string;
  effective_at: Date;
  created_at: Date;
  idempotency_key: string | null;
  idempotency_scope: KeyScope | null;
  fingerprint: string;
  source_type: string | null;
  source_id: string | null;
  metadata: Record<string, unknown> | null;
  reverses: string | null;
  entries: { account: string; side: NormalSide; amount: string; currency: string }[];
}

/** @internal */
export const ACCOUNT_COLUMNS = "code, name, type, currency, allow_negative, balance::text AS balance";

/** @internal */
export function toAccount(row: AccountRow): AccountBalance {
  return { code: row.code, name: row.name, type: row.type, currency: row.currency, allowNegative: row.allow_negative, balance: BigInt(row.balance) };
}

/** @internal */
export function toTransaction(row: TransactionRow): StoredTransaction {
  return {
    id: row.id,
    description: row.description,
    effectiveAt: new Date(row.effective_at),
    createdAt: new Date(row.created_at),
    idempotencyKey: row.idempotency_scope === "caller" ? row.idempotency_key : null,
    idempotency: row.idempotency_scope === null || row.idempotency_key === null ? null : { scope: row.idempotency_scope, key: row.idempotency_key },
    fingerprint: row.fingerprint,
    sourceRef: row.source_type === null || row.source_id === null ? null : { type: row.source_type, id: row.source_id },
    metadata: row.metadata,
    reverses: row.reverses,
    entries: row.entries.map((e) => ({ account: e.account, side: e.side, amount: BigInt(e.amount), currency: e.currency })),
  };
}

/** @internal The SELECT of a stored transaction with its entries, as {@link toTransaction} reads it. */
export function transactionSelect(t: TableNames): string {
  return `SELECT t.id, t.description, t.effective_at, t.created_at, t.idempotency_key, t.idempotency_scope, t.fingerprint, t.source_type,
      t.source_id, t.metadata, t.reverses,
      (SELECT json_agg(json_build_object('account', e.account_code, 'side', e.side, 'amount', e.amount::text, 'currency', e.currency) ORDER BY e.seq)
         FROM ${t.entries} e WHERE e.transaction_id = t.id) AS entries
    FROM ${t.transactions} t`;
}

/** @internal The ledger's quoted table (and posting function) names. */
export type TableNames = ReturnType<typeof names>;

/** @internal */
export function names(schema: string | undefined) {
  const prefix = schema === undefined ? "" : `${quoteIdentifier(schema, "schema")}.`;
  return {
    accounts: `${prefix}ledger_accounts`,
    transactions: `${prefix}ledger_transactions`,
    entries: `${prefix}ledger_entries`,
    invoices: `${prefix}ledger_invoices`,
    schedules: `${prefix}ledger_recognition_schedules`,
    applyPosting: `${prefix}ledger_apply_posting`,
  };
}

