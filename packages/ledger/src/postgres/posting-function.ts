/**
 * Migration 4: the server side of a posting, so one posting is one round trip, and the triggers that keep the
 * ledger append-only. The function applies the same rules as `checkPosting` (the kit runs both) and raises them as
 * SQLSTATEs `LG001`…`LG006` with a JSON `DETAIL`, which `driver-errors.ts` turns into the ledger's typed errors.
 * Account rows are locked last, in code order (`FOR NO KEY UPDATE`, which leaves entries' foreign-key checks
 * unblocked), so they are held only for the balance update and the commit.
 * @internal
 */
export function postingFunctionSql(t: (name: string) => string): string {
  const signed = `CASE WHEN (s = 'debit') = (a.type IN ('asset', 'expense')) THEN amt::numeric ELSE -amt::numeric END`;
  return `
CREATE FUNCTION ${t("ledger_post")}(
  p_id uuid, p_description text, p_effective_at timestamptz, p_created_at timestamptz, p_key_scope text, p_key text,
  p_fingerprint text, p_source_type text, p_source_id text, p_metadata jsonb, p_reverses uuid,
  p_accounts text[], p_sides text[], p_amounts bigint[], p_currencies text[]
) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  v_id uuid;
  v_currencies text[];
  v_row record;
  v_codes text[] := '{}';
  v_changes numeric[] := '{}';
  v_final numeric;
  v_lowest numeric;
BEGIN
  -- 1. The transaction row first: a taken key or reversal target is answered before any account is touched.
  INSERT INTO ${t("ledger_transactions")}
    (id, description, effective_at, created_at, idempotency_scope, idempotency_key, fingerprint, source_type, source_id, metadata, reverses)
  VALUES (p_id, p_description, p_effective_at, p_created_at, p_key_scope, p_key, p_fingerprint, p_source_type, p_source_id, p_metadata, p_reverses)
  ON CONFLICT DO NOTHING RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    IF p_key IS NOT NULL AND EXISTS (SELECT 1 FROM ${t("ledger_transactions")} WHERE idempotency_scope = p_key_scope AND idempotency_key = p_key) THEN
      RETURN NULL;
    END IF;
    IF p_reverses IS NOT NULL AND EXISTS (SELECT 1 FROM ${t("ledger_transactions")} WHERE reverses = p_reverses) THEN
      RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = 'already reversed', DETAIL = json_build_object('transactionId', p_reverses)::text;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '23505', MESSAGE = 'transaction id taken';
  END IF;

  -- 2. Every account exists and every entry is in its currency (currencies never change, so no lock is needed).
  SELECT array_agg(a.currency::text ORDER BY x.n) INTO v_currencies
    FROM unnest(p_accounts) WITH ORDINALITY AS x(code, n) LEFT JOIN ${t("ledger_accounts")} a ON a.code = x.code;
  FOR i IN 1 .. array_length(p_accounts, 1) LOOP
    IF v_currencies[i] IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = 'account not found', DETAIL = json_build_object('account', p_accounts[i], 'entry', i - 1)::text;
    END IF;
    IF p_currencies[i] IS NOT NULL AND p_currencies[i] <> v_currencies[i] THEN
      RAISE EXCEPTION USING ERRCODE = 'LG002', MESSAGE = 'currency mismatch',
        DETAIL = json_build_object('entry', i - 1, 'account', p_accounts[i], 'expected', v_currencies[i], 'actual', p_currencies[i])::text;
    END IF;
  END LOOP;

  -- 3. Debits equal credits per currency.
  SELECT c, sum(CASE WHEN s = 'debit' THEN amt::numeric ELSE 0 END) AS debits, sum(CASE WHEN s = 'credit' THEN amt::numeric ELSE 0 END) AS credits
    INTO v_row
    FROM unnest(v_currencies, p_sides, p_amounts) WITH ORDINALITY AS x(c, s, amt, n)
   GROUP BY c HAVING sum(CASE WHEN s = 'debit' THEN amt::numeric ELSE -amt::numeric END) <> 0 ORDER BY min(n) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'LG003', MESSAGE = 'unbalanced',
      DETAIL = json_build_object('currency', v_row.c, 'debits', v_row.debits::text, 'credits', v_row.credits::text)::text;
  END IF;

  INSERT INTO ${t("ledger_entries")} (transaction_id, account_code, side, amount, currency, effective_at)
  SELECT p_id, code, s, amt, c, p_effective_at FROM unnest(p_accounts, p_sides, p_amounts, v_currencies) WITH ORDINALITY AS x(code, s, amt, c, n) ORDER BY n;

  -- 4. Lock the accounts in code order, check range and normal balance (at every time from p_effective_at on).
  FOR v_row IN
    WITH d AS (
      SELECT x.code, sum(${signed}) AS change, max(CASE WHEN ${signed} < 0 THEN x.n END) AS last_decrease
        FROM unnest(p_accounts, p_sides, p_amounts) WITH ORDINALITY AS x(code, s, amt, n) JOIN ${t("ledger_accounts")} a ON a.code = x.code
       GROUP BY x.code)
    SELECT a.code, a.type, a.allow_negative, a.balance, d.change, d.last_decrease
      FROM ${t("ledger_accounts")} a JOIN d ON d.code = a.code ORDER BY a.code FOR NO KEY UPDATE OF a
  LOOP
    v_final := v_row.balance + v_row.change;
    IF v_final > 9223372036854775807 OR v_final < -9223372036854775807 THEN
      RAISE EXCEPTION USING ERRCODE = 'LG004', MESSAGE = 'balance out of range', DETAIL = json_build_object('account', v_row.code)::text;
    END IF;
    IF v_row.change < 0 AND NOT v_row.allow_negative THEN
      SELECT v_row.balance - greatest(0, coalesce(max(later), 0)) INTO v_lowest FROM (
        SELECT sum(change) OVER (ORDER BY at DESC) AS later FROM (
          SELECT e.effective_at AS at, sum(CASE WHEN (e.side = 'debit') = (v_row.type IN ('asset', 'expense')) THEN e.amount::numeric ELSE -e.amount::numeric END) AS change
            FROM ${t("ledger_entries")} e WHERE e.account_code = v_row.code AND e.effective_at > p_effective_at GROUP BY e.effective_at) g) w;
      IF v_lowest + v_row.change < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'LG005', MESSAGE = 'normal balance violation',
          DETAIL = json_build_object('account', v_row.code, 'entry', v_row.last_decrease - 1, 'balance', (v_lowest + v_row.change)::text)::text;
      END IF;
    END IF;
    v_codes := v_codes || v_row.code;
    v_changes := v_changes || v_row.change;
  END LOOP;

  PERFORM set_config('atom_ledger.posting', 'on', true);
  UPDATE ${t("ledger_accounts")} a SET balance = a.balance + x.change FROM unnest(v_codes, v_changes) AS x(code, change) WHERE a.code = x.code;
  PERFORM set_config('atom_ledger.posting', 'off', true);
  RETURN v_currencies;
END
$fn$;

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
    OR (OLD.balance <> NEW.balance AND current_setting('atom_ledger.posting', true) IS DISTINCT FROM 'on'))
  EXECUTE FUNCTION ${t("ledger_refuse_change")}()`;
}
