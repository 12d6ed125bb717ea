import { parseInput, ValidationError } from "@atom/errors";
import { z } from "zod";
import { InvoiceStateError, LedgerNothingDeferredError, LedgerRecognitionScheduledError } from "./errors.js";
import { type InvoiceSource, sourceContext } from "./invoice-source.js";
import { account, deferredRevenueOf, loadInvoice, RECOGNITION_ACCOUNTS, type WithTransaction } from "./invoices.js";
import { countPeriods, MAX_PERIODS, periodAmount, periodBoundary, type RecognitionPeriod } from "./periods.js";
import type { LedgerCallOptions, RecognitionSchedule, Transaction } from "./types.js";

/** Options of {@link RecognitionScheduleOperations.scheduleRecognition}. */
export interface ScheduleRecognitionOptions {
  /** When the service period starts (UTC). */
  start: Date;
  /** When it ends: exactly a whole number of periods after `start`. */
  end: Date;
  /** Recognize per calendar `day` or `month`. */
  period: RecognitionPeriod;
}

/** One period recognized by {@link RecognitionScheduleOperations.runRecognition}. */
export interface RecognizedPeriod {
  /** The invoice. */
  invoiceId: string;
  /** The period's number, 1-based. */
  period: number;
  /** When the period ended (the transaction's `effectiveAt`). */
  periodEnd: Date;
  /** The amount recognized for it. */
  amount: bigint;
  /** The posted Dr 2200 / Cr 4000 transaction. */
  transaction: Transaction;
}

/** What {@link RecognitionScheduleOperations.runRecognition} did. */
export interface RecognitionRun {
  /** Every period recognized by this call, by invoice then period. */
  recognized: RecognizedPeriod[];
  /** True when more schedules were due than `limit`: call again. */
  more: boolean;
}

/** Ratable revenue recognition: spread an invoice's deferred revenue over days or months. */
export interface RecognitionScheduleOperations {
  /**
   * Schedules the invoice's outstanding deferred revenue for recognition in equal parts per period (the remainder
   * on the last, so the parts sum exactly), and moves the invoice DRAFT → OPEN. Nothing is posted until
   * {@link RecognitionScheduleOperations.runRecognition}. Afterwards `recognizeRevenue` and `voidInvoice` refuse
   * the invoice (`LEDGER_RECOGNITION_SCHEDULED`).
   * @throws InvoiceNotFoundError (404), InvoiceStateError for a VOID invoice or one already recognized (409),
   * LedgerNothingDeferredError (409), LedgerRecognitionScheduledError when already scheduled (409),
   * ValidationError naming `end` when it is not a whole number of periods after `start`, or there would be more
   * periods than minor units to spread
   */
  scheduleRecognition(invoiceId: string, options: ScheduleRecognitionOptions & LedgerCallOptions): Promise<RecognitionSchedule>;
  /**
   * Recognizes every period that has ended by `asOf` and was not recognized yet, for every schedule: each period
   * posts **Dr 2200 Deferred Revenue / Cr 4000 Service Revenue** for its part, effective at the period's end, linked
   * to the invoice, with the idempotency key `invoice:<id>:recognition:<period>`. Each invoice is caught up in one
   * storage transaction with its schedule row locked, so concurrent runs recognize each period exactly once and a
   * repeated run posts nothing.
   * @param options.limit how many schedules to process in this call @default 100
   */
  runRecognition(options: { asOf: Date; limit?: number } & LedgerCallOptions): Promise<RecognitionRun>;
  /** The invoice's schedule with its progress, or `null` when it has none. */
  getSchedule(invoiceId: string, options?: LedgerCallOptions): Promise<RecognitionSchedule | null>;
}

const invoiceIdSchema = z.string().min(1).max(64);

const scheduleSchema = z.object({
  invoiceId: invoiceIdSchema,
  start: z.date(),
  end: z.date(),
  period: z.enum(["day", "month"]),
});

const runSchema = z.object({ asOf: z.date(), limit: z.number().int().min(1).max(10_000).default(100) });

function invalidEnd(message: string): ValidationError {
  return new ValidationError({ field: "end", message: `[@atom/ledger] scheduleRecognition: ${message}` });
}

/** @internal Builds the schedule operations over a ledger's storage transaction. */
export function recognitionScheduleOperations(
  withTransaction: WithTransaction,
  clock: () => Date,
  source: InvoiceSource,
): RecognitionScheduleOperations {
  const catchUp = (invoiceId: string, asOf: Date, options: LedgerCallOptions) =>
    withTransaction(async (tx, post) => {
      const schedule = await tx.getSchedule(invoiceId, { lock: true });
      const recognized: RecognizedPeriod[] = [];
      if (!schedule) return recognized;
      let done = schedule.recognizedPeriods;
      // `nextDueAt` is where the next unrecognized period ends (null once all are recognized).
      let periodEnd = schedule.nextDueAt;
      while (periodEnd !== null && periodEnd.getTime() <= asOf.getTime()) {
        const amount = periodAmount(schedule.amount, schedule.periods, done);
        const transaction = await post({
          description: `Revenue recognized for invoice ${invoiceId}, period ${done + 1} of ${schedule.periods}`,
          idempotencyKey: `invoice:${invoiceId}:recognition:${done + 1}`,
          effectiveAt: periodEnd,
          sourceRef: { type: "invoice", id: invoiceId },
          metadata: { period: done + 1, periods: schedule.periods },
          entries: [
            { account: RECOGNITION_ACCOUNTS.deferredRevenue.code, side: "debit", amount },
            { account: RECOGNITION_ACCOUNTS.serviceRevenue.code, side: "credit", amount },
          ],
          autoCreate: [account("serviceRevenue", schedule.currency)],
        });
        done += 1;
        recognized.push({ invoiceId, period: done, periodEnd, amount, transaction });
        periodEnd = done < schedule.periods ? periodBoundary(schedule.start, schedule.period, done + 1) : null;
      }
      if (done !== schedule.recognizedPeriods) await tx.setScheduleProgress(invoiceId, done, periodEnd);
      return recognized;
    }, options);

  return {
    async scheduleRecognition(invoiceId, options) {
      const { client, ...span } = options;
      const input = parseInput(scheduleSchema, { invoiceId, ...span }, "[@atom/ledger] scheduleRecognition");
      const periods = countPeriods(input.start, input.end, input.period);
      if (periods === undefined) throw invalidEnd(`end must be a whole number of ${input.period}s after start`);
      if (periods > MAX_PERIODS) throw invalidEnd(`at most ${MAX_PERIODS} periods, got ${periods}`);
      return withTransaction(async (tx) => {
        const invoice = await loadInvoice(source, tx, input.invoiceId, "schedule revenue recognition");
        if (await tx.getSchedule(input.invoiceId)) {
          throw new LedgerRecognitionScheduledError({ invoiceId: input.invoiceId, operation: "schedule it again" });
        }
        if (await tx.findByIdempotencyKey(`invoice:${input.invoiceId}:recognition`)) {
          throw new InvoiceStateError({ invoiceId: input.invoiceId, status: invoice.status, operation: "schedule revenue already recognized" });
        }
        const { outstanding } = await deferredRevenueOf(tx, input.invoiceId);
        if (outstanding <= 0n) throw new LedgerNothingDeferredError({ invoiceId: input.invoiceId });
        if (outstanding < BigInt(periods)) {
          throw invalidEnd(`${periods} periods cannot each recognize a part of ${outstanding} minor units`);
        }
        const schedule: RecognitionSchedule = {
          invoiceId: input.invoiceId,
          start: input.start,
          end: input.end,
          period: input.period,
          periods,
          amount: outstanding,
          currency: invoice.currency,
          recognizedPeriods: 0,
          nextDueAt: periodBoundary(input.start, input.period, 1),
          createdAt: clock(),
        };
        await tx.insertSchedule(schedule);
        if (invoice.status === "DRAFT") {
          await source.setInvoiceStatus(input.invoiceId, "OPEN", sourceContext(tx));
        }
        return schedule;
      }, { client });
    },

    async runRecognition(options) {
      const { client, ...window } = options;
      const { asOf, limit } = parseInput(runSchema, window, "[@atom/ledger] runRecognition");
      const due = await withTransaction((tx) => tx.dueSchedules(asOf, limit + 1), { client });
      const recognized: RecognizedPeriod[] = [];
      for (const invoiceId of due.slice(0, limit)) recognized.push(...(await catchUp(invoiceId, asOf, { client })));
      return { recognized, more: due.length > limit };
    },

    async getSchedule(invoiceId, options) {
      const id = parseInput(invoiceIdSchema, invoiceId, "[@atom/ledger] getSchedule");
      return (await withTransaction((tx) => tx.getSchedule(id), options)) ?? null;
    },
  };
}
