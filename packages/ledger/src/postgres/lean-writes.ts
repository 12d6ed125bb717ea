/**
 * Migration 6: the same invariants, checked where they cost a posting nothing.
 *
 * - An account's `type` and `currency` CHECKs become domains. PostgreSQL evaluates every CHECK of a row on every
 *   UPDATE, so each balance update ran the currency regex; a domain is checked only when a value is written to the
 *   column, and the append-only trigger already refuses any change of `type` or `currency` (it is recreated because
 *   a column in a trigger's WHEN cannot change type).
 * - The unique keys on `(idempotency_scope, idempotency_key)` and `reverses`, and the source index, become partial
 *   (`WHERE … IS NOT NULL`): NULLs never conflicted, so uniqueness is unchanged, and a posting without a key,
 *   reversal or source no longer writes three index entries.
 * @internal
 */
export function leanWritesSql(t: (name: string) => string): string {
  return `
CREATE DOMAIN ${t("ledger_account_type")} AS text CHECK (VALUE IN ('asset', 'liability', 'equity', 'revenue', 'expense'));
CREATE DOMAIN ${t("ledger_currency")} AS char(3) CHECK (VALUE ~ '^[A-Z]{3}$');
DROP TRIGGER ledger_accounts_balance_by_posting ON ${t("ledger_accounts")};
ALTER TABLE ${t("ledger_accounts")}
  DROP CONSTRAINT ledger_accounts_type_check, DROP CONSTRAINT ledger_accounts_currency_check,
  ALTER COLUMN type TYPE ${t("ledger_account_type")}, ALTER COLUMN currency TYPE ${t("ledger_currency")};
CREATE TRIGGER ledger_accounts_balance_by_posting BEFORE UPDATE ON ${t("ledger_accounts")}
  FOR EACH ROW WHEN (
    (OLD.code, OLD.type, OLD.currency) IS DISTINCT FROM (NEW.code, NEW.type, NEW.currency)
    OR (OLD.balance <> NEW.balance AND OLD.last_posting IS NOT DISTINCT FROM NEW.last_posting))
  EXECUTE FUNCTION ${t("ledger_refuse_change")}();

ALTER TABLE ${t("ledger_transactions")} DROP CONSTRAINT ledger_transactions_idempotency, DROP CONSTRAINT ledger_transactions_reverses_key;
CREATE UNIQUE INDEX ledger_transactions_idempotency ON ${t("ledger_transactions")} (idempotency_scope, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX ledger_transactions_reverses ON ${t("ledger_transactions")} (reverses) WHERE reverses IS NOT NULL;
DROP INDEX ${t("ledger_transactions_source")};
CREATE INDEX ledger_transactions_source ON ${t("ledger_transactions")} (source_type, source_id) WHERE source_type IS NOT NULL`;
}
