import type { Migration } from "@atom/sql";
import { immutabilitySql } from "./immutability.js";
import { leanWritesSql } from "./lean-writes.js";
import { postingFunctionSql } from "./posting-function.js";

/** The ledger's versioned schema. Constraints enforce the invariants too, not only the TypeScript. */
export function ledgerMigrations(schema: string | undefined): Migration[] {
  const t = (name: string) => (schema ? `${schema}.${name}` : name);
  return [
    {
      version: 1,
      name: "ledger",
      sql: `
CREATE TABLE ${t("ledger_accounts")} (
  code text PRIMARY KEY,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  allow_negative boolean NOT NULL DEFAULT false,
  balance bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ${t("ledger_transactions")} (
  id uuid PRIMARY KEY,
  description text NOT NULL,
  effective_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  idempotency_key text UNIQUE,
  fingerprint text NOT NULL,
  source_type text,
  source_id text,
  metadata jsonb,
  reverses uuid UNIQUE REFERENCES ${t("ledger_transactions")} (id),
  CHECK ((source_type IS NULL) = (source_id IS NULL))
);
CREATE INDEX ledger_transactions_source ON ${t("ledger_transactions")} (source_type, source_id);
CREATE TABLE ${t("ledger_entries")} (
  seq bigserial PRIMARY KEY,
  transaction_id uuid NOT NULL REFERENCES ${t("ledger_transactions")} (id),
  account_code text NOT NULL REFERENCES ${t("ledger_accounts")} (code),
  side text NOT NULL CHECK (side IN ('debit', 'credit')),
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  effective_at timestamptz NOT NULL
);
CREATE INDEX ledger_entries_account ON ${t("ledger_entries")} (account_code, effective_at, seq);
CREATE TABLE ${t("ledger_invoices")} (
  id text PRIMARY KEY,
  customer_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency char(3) NOT NULL,
  status text NOT NULL CHECK (status IN ('DRAFT', 'OPEN', 'PAID', 'VOID')),
  description text NOT NULL,
  created_at timestamptz NOT NULL
)`,
    },
    {
      version: 2,
      // No foreign key to ledger_invoices: with a custom InvoiceSource the invoice lives in the host's tables.
      name: "ratable recognition schedules",
      sql: `
CREATE TABLE ${t("ledger_recognition_schedules")} (
  invoice_id text PRIMARY KEY,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL CHECK (end_at > start_at),
  period text NOT NULL CHECK (period IN ('day', 'month')),
  periods integer NOT NULL CHECK (periods BETWEEN 1 AND 3660),
  amount bigint NOT NULL CHECK (amount >= periods),
  currency char(3) NOT NULL,
  recognized_periods integer NOT NULL DEFAULT 0 CHECK (recognized_periods BETWEEN 0 AND periods),
  next_due_at timestamptz CHECK ((next_due_at IS NULL) = (recognized_periods = periods)),
  created_at timestamptz NOT NULL
);
CREATE INDEX ledger_recognition_schedules_due ON ${t("ledger_recognition_schedules")} (next_due_at) WHERE next_due_at IS NOT NULL`,
    },
    {
      version: 3,
      // The ledger's own keys (invoice operations) move to their own namespace, so a caller's key can never match one.
      name: "idempotency key namespaces",
      sql: `
ALTER TABLE ${t("ledger_transactions")} ADD COLUMN idempotency_scope text CHECK (idempotency_scope IN ('caller', 'ledger'));
UPDATE ${t("ledger_transactions")} SET idempotency_scope = CASE
  WHEN source_type = 'invoice' AND (
    idempotency_key IN ('invoice:' || source_id || ':deferral', 'invoice:' || source_id || ':recognition')
    OR (starts_with(idempotency_key, 'invoice:' || source_id || ':recognition:')
        AND substr(idempotency_key, length('invoice:' || source_id || ':recognition:') + 1) ~ '^[0-9]+$'))
  THEN 'ledger' ELSE 'caller' END
WHERE idempotency_key IS NOT NULL;
ALTER TABLE ${t("ledger_transactions")} DROP CONSTRAINT ledger_transactions_idempotency_key_key;
ALTER TABLE ${t("ledger_transactions")} ADD CONSTRAINT ledger_transactions_idempotency UNIQUE (idempotency_scope, idempotency_key);
ALTER TABLE ${t("ledger_transactions")} ADD CONSTRAINT ledger_transactions_scoped_key CHECK ((idempotency_scope IS NULL) = (idempotency_key IS NULL))`,
    },
    { version: 4, name: "one-statement postings, append-only triggers", sql: immutabilitySql(t) },
    { version: 5, name: "posting function with parameter-independent plans", sql: postingFunctionSql(t) },
    { version: 6, name: "account checks as domains, partial unique keys", sql: leanWritesSql(t) },
  ];
}
