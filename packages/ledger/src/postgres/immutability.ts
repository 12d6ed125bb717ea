/**
 * Migration 4: what one-statement postings need on the account rows, and the triggers that keep the ledger
 * append-only. `last_effective_at` (the latest `effective_at` of the account's entries) lets a posting see, on the
 * row it has locked, whether a decrease is backdated before other entries (then the exact check runs); a posting
 * sets `last_posting` to its transaction id, and a balance change without that is refused.
 * @internal
 */
export function immutabilitySql(t: (name: string) => string): string {
  return `
ALTER TABLE ${t("ledger_accounts")} ADD COLUMN last_posting uuid, ADD COLUMN last_effective_at timestamptz;
UPDATE ${t("ledger_accounts")} a SET last_effective_at = e.at
  FROM (SELECT account_code, max(effective_at) AS at FROM ${t("ledger_entries")} GROUP BY account_code) e WHERE e.account_code = a.code;

CREATE FUNCTION ${t("ledger_refuse_change")}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'ledger_accounts' THEN
    RAISE EXCEPTION USING ERRCODE = 'LG010', MESSAGE = '[@atom/ledger] an account''s code, type and currency never change, and its balance changes only by posting';
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'LG010', MESSAGE = format('[@atom/ledger] %s is append-only (%s refused): correct a posting by reversing it', TG_TABLE_NAME, TG_OP);
END
$fn$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ${t("ledger_entries")}
  FOR EACH ROW EXECUTE FUNCTION ${t("ledger_refuse_change")}();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ${t("ledger_transactions")}
  FOR EACH ROW EXECUTE FUNCTION ${t("ledger_refuse_change")}();
CREATE TRIGGER ledger_accounts_balance_by_posting BEFORE UPDATE ON ${t("ledger_accounts")}
  FOR EACH ROW WHEN (
    (OLD.code, OLD.type, OLD.currency) IS DISTINCT FROM (NEW.code, NEW.type, NEW.currency)
    OR (OLD.balance <> NEW.balance AND OLD.last_posting IS NOT DISTINCT FROM NEW.last_posting))
  EXECUTE FUNCTION ${t("ledger_refuse_change")}()`;
}
