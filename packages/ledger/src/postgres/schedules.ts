import type { SqlExecutor } from "@atom/sql";
import type { RecognitionPeriod } from "../periods.js";
import type { LedgerStorageTx, RecognitionSchedule } from "../types.js";

interface ScheduleRow {
  invoice_id: string;
  start_at: Date;
  end_at: Date;
  period: RecognitionPeriod;
  periods: number;
  amount: string;
  currency: string;
  recognized_periods: number;
  next_due_at: Date | null;
  created_at: Date;
}

const COLUMNS =
  "invoice_id, start_at, end_at, period, periods, amount::text AS amount, currency, recognized_periods, next_due_at, created_at";

function toSchedule(row: ScheduleRow): RecognitionSchedule {
  return {
    invoiceId: row.invoice_id,
    start: new Date(row.start_at),
    end: new Date(row.end_at),
    period: row.period,
    periods: Number(row.periods),
    amount: BigInt(row.amount),
    currency: row.currency,
    recognizedPeriods: Number(row.recognized_periods),
    nextDueAt: row.next_due_at === null ? null : new Date(row.next_due_at),
    createdAt: new Date(row.created_at),
  };
}

type ScheduleStorage = Pick<LedgerStorageTx, "insertSchedule" | "getSchedule" | "dueSchedules" | "setScheduleProgress">;

/** @internal The schedule half of the Postgres storage transaction, over `table` (already quoted). */
export function scheduleStorage(tx: SqlExecutor, table: string): ScheduleStorage {
  return {
    async insertSchedule(s) {
      await tx.query(
        `INSERT INTO ${table} (invoice_id, start_at, end_at, period, periods, amount, currency, recognized_periods, next_due_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8, $9, $10)`,
        [s.invoiceId, s.start, s.end, s.period, s.periods, s.amount.toString(), s.currency, s.recognizedPeriods, s.nextDueAt, s.createdAt],
      );
    },
    async getSchedule(invoiceId, options) {
      const { rows } = await tx.query<ScheduleRow>(
        `SELECT ${COLUMNS} FROM ${table} WHERE invoice_id = $1${options?.lock ? " FOR UPDATE" : ""}`,
        [invoiceId],
      );
      return rows[0] ? toSchedule(rows[0]) : undefined;
    },
    async dueSchedules(asOf, limit, after) {
      const { rows } = await tx.query<{ invoice_id: string; next_due_at: Date }>(
        `SELECT invoice_id, next_due_at FROM ${table}
          WHERE next_due_at <= $1 AND ($3::timestamptz IS NULL OR (next_due_at, invoice_id) > ($3::timestamptz, $4::text))
          ORDER BY next_due_at, invoice_id LIMIT $2`,
        [asOf, limit, after?.nextDueAt ?? null, after?.invoiceId ?? null],
      );
      return rows.map((row) => ({ invoiceId: row.invoice_id, nextDueAt: new Date(row.next_due_at) }));
    },
    async setScheduleProgress(invoiceId, recognizedPeriods, nextDueAt) {
      await tx.query(`UPDATE ${table} SET recognized_periods = $2, next_due_at = $3 WHERE invoice_id = $1`, [
        invoiceId,
        recognizedPeriods,
        nextDueAt,
      ]);
    },
  };
}
