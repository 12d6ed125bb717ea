/** SQLSTATE of a posting the function refused: a rule is broken, and the exact posting names which (see posting.ts). */
export const REFUSED_POSTING = "LG000";

/**
 * Migration 5: `ledger_apply_posting`, the server side of a posting on its own (one round trip). It replaces the
 * one-statement CTE of migration 4, which PostgreSQL re-planned on every call: its cost depends on the lengths of
 * the array parameters, so the plan cache never chose a generic plan, and planning cost more than running it.
 * Every statement here has a plan that does not depend on the parameters, so each connection plans it once, and
 * each account is found through its primary key whatever the table's size.
 *
 * In order: insert the transaction (a taken key or reversal target returns `NULL` before any account is touched);
 * net the entries per account from the entries themselves; update each account in code order (the update takes the
 * row lock, `FOR NO KEY UPDATE`, so entries' foreign-key checks are not blocked, and the stable order cannot
 * deadlock); insert the entries. It refuses ({@link REFUSED_POSTING}) an unknown account, an entry in another
 * currency than its account, debits ≠ credits in a currency, a balance past ±(2^63 − 1), and a decrease of an
 * account that forbids negatives below zero or backdated before its latest entry; a bigint overflow fails with
 * 22003 (bigint arithmetic, cheaper than numeric on every update; a net change past ±(2^63 − 1) on one account
 * takes the exact path too). It returns each entry's currency, in the entries' order.
 * @internal
 */
export function postingFunctionSql(t: (name: string) => string): string {
  const change = "CASE WHEN a.type IN ('asset', 'expense') THEN v_net.net ELSE -v_net.net END";
  const refuse = `RAISE EXCEPTION USING ERRCODE = '${REFUSED_POSTING}', MESSAGE = '[@atom/ledger] posting refused by a ledger rule'`;
  return `
CREATE FUNCTION ${t("ledger_apply_posting")}(
  p_id uuid, p_description text, p_effective_at timestamptz, p_created_at timestamptz, p_key_scope text, p_key text,
  p_fingerprint text, p_source_type text, p_source_id text, p_metadata jsonb, p_reverses uuid,
  p_accounts text[], p_sides text[], p_amounts bigint[], p_currencies text[]
) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  v_net record;
  v_account record;
  v_codes text[] := '{}';
  v_currencies text[] := '{}';
  v_nets bigint[] := '{}';
  v_total numeric := 0;
  v_mixed boolean := false;
  v_currency text;
  v_entry_currencies text[] := '{}';
BEGIN
  INSERT INTO ${t("ledger_transactions")}
    (id, description, effective_at, created_at, idempotency_scope, idempotency_key, fingerprint, source_type, source_id, metadata, reverses)
  VALUES (p_id, p_description, p_effective_at, p_created_at, p_key_scope, p_key, p_fingerprint, p_source_type, p_source_id, p_metadata, p_reverses)
  ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;

  FOR v_net IN
    SELECT e.code, sum(CASE WHEN e.side = 'debit' THEN e.amount::numeric ELSE -e.amount::numeric END)::bigint AS net
      FROM unnest(p_accounts, p_sides, p_amounts) AS e(code, side, amount) GROUP BY e.code ORDER BY e.code
  LOOP
    UPDATE ${t("ledger_accounts")} a
       SET balance = a.balance + ${change}, last_posting = p_id, last_effective_at = GREATEST(a.last_effective_at, p_effective_at)
     WHERE a.code = v_net.code
    RETURNING a.currency::text AS currency, a.balance, a.allow_negative, a.last_effective_at, ${change} AS change INTO v_account;
    IF NOT FOUND OR v_account.balance < -9223372036854775807
       OR (v_account.change < 0 AND NOT v_account.allow_negative AND (v_account.balance < 0 OR v_account.last_effective_at > p_effective_at)) THEN
      ${refuse};
    END IF;
    v_mixed := v_mixed OR (cardinality(v_currencies) > 0 AND v_currencies[1] <> v_account.currency);
    v_codes := v_codes || v_net.code::text;
    v_currencies := v_currencies || v_account.currency;
    v_nets := v_nets || v_net.net;
    v_total := v_total + v_net.net;
  END LOOP;

  IF v_total <> 0 OR (v_mixed AND EXISTS (SELECT 1 FROM unnest(v_currencies, v_nets) AS x(c, n) GROUP BY x.c HAVING sum(x.n) <> 0)) THEN
    ${refuse};
  END IF;

  FOR i IN 1 .. cardinality(p_accounts) LOOP
    v_currency := v_currencies[array_position(v_codes, p_accounts[i])];
    IF p_currencies[i] IS NOT NULL AND p_currencies[i] <> v_currency THEN
      ${refuse};
    END IF;
    v_entry_currencies := v_entry_currencies || v_currency;
  END LOOP;

  INSERT INTO ${t("ledger_entries")} (transaction_id, account_code, side, amount, currency, effective_at)
  SELECT p_id, e.code, e.side, e.amount, e.currency, p_effective_at
    FROM unnest(p_accounts, p_sides, p_amounts, v_entry_currencies) WITH ORDINALITY AS e(code, side, amount, currency, n)
   ORDER BY e.n;
  RETURN v_entry_currencies;
END
$fn$`;
}
