import { type AtomError, parseInput, toAtomError, ValidationError } from "@atom/errors";
import { z } from "zod";
import type { ManagedScope, PostingCore } from "./core.js";
import { InvoiceStateError, LedgerNothingDeferredError, LedgerRecognitionScheduledError } from "./errors.js";
import { deferredBalance, invoiceKeys, loadInvoice } from "./invoice-ledger.js";
import { type InvoiceSource, readInvoice, sourceContext } from "./invoice-source.js";
import { countPeriods, MAX_PERIODS, periodAmount, periodBoundary, type RecognitionPeriod } from "./periods.js";
import { recognitionAccount } from "./recognition-accounts.js";
import { dateSchema, isStorableDate, textSchema } from "./schemas.js";
import type { DueSchedule, LedgerCallOptions, RecognitionSchedule, Transaction } from "./types.js";

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
  /** When the period ended (the transaction's `effectiveAt`, or the schedule's `createdAt` when that is later). */
  periodEnd: Date;
  /** The amount recognized for it. */
  amount: bigint;
  /** The posted Dr `2200-<cur>` / Cr `4000-<cur>` transaction. */
  transaction: Transaction;
}

/** A schedule {@link RecognitionScheduleOperations.runRecognition} could not (fully) catch up. */
export interface RecognitionFailure {
  /** The invoice. */
  invoiceId: string;
  /**
   * Why: `LEDGER_NOTHING_DEFERRED` when the invoice's deferred sub-ledger ran out before the schedule did (a credit
   * note, say), or whatever the storage or invoice source threw. The schedule stays due; other schedules are not held up.
   */
  error: AtomError;
}

/** What {@link RecognitionScheduleOperations.runRecognition} did. */
export interface RecognitionRun {
  /** Every period recognized by this call, by invoice then period. */
  recognized: RecognizedPeriod[];
  /** The schedules that failed, each on its own: the periods recognized before the failure stay recognized. */
  failed: RecognitionFailure[];
  /** True when more schedules were due than `limit`: call again with `cursor: nextCursor`. */
  more: boolean;
  /**
   * Pass as `cursor` to process the due schedules after this page, or `null` when there are none. Without it a run
   * starts from the soonest due schedule again, so schedules that keep failing would take every page.
   */
  nextCursor: string | null;
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
   * Recognizes every period that has ended by `asOf` and was not recognized yet, for every due schedule: each period
   * posts **Dr `2200-<cur>` Deferred Revenue / Cr `4000-<cur>` Service Revenue** for its part, but never more than the
   * invoice's deferred sub-ledger still holds, effective at the period's end, linked to the invoice. Each invoice is
   * caught up in its own storage transaction with its schedule row locked, so concurrent runs recognize each period
   * exactly once and a repeated run posts nothing; a schedule that fails is reported in `failed` and the others
   * still run.
   * @param options.limit how many schedules to process in this call @default 100
   * @param options.cursor a previous run's `nextCursor`: go on after the schedules that run processed
   * @throws ValidationError naming `cursor` when it is not one this ledger issued
   */
  runRecognition(options: { asOf: Date; limit?: number; cursor?: string } & LedgerCallOptions): Promise<RecognitionRun>;
  /** The invoice's schedule with its progress, or `null` when it has none. */
  getSchedule(invoiceId: string, options?: LedgerCallOptions): Promise<RecognitionSchedule | null>;
}

const invoiceIdSchema = textSchema(1, 64);

const invoiceArgumentSchema = z.strictObject({ invoiceId: invoiceIdSchema });

const scheduleSchema = z.strictObject({
  invoiceId: invoiceIdSchema,
  start: dateSchema,
  end: dateSchema,
  period: z.enum(["day", "month"]),
});

const runSchema = z.strictObject({ asOf: dateSchema, limit: z.number().int().min(1).max(10_000).default(100), cursor: z.string().max(300).optional() });

function encodeCursor(position: DueSchedule): string {
  return Buffer.from(JSON.stringify([position.nextDueAt.toISOString(), position.invoiceId])).toString("base64url");
}

function decodeCursor(cursor: string): DueSchedule {
  try {
    const [at, invoiceId] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [unknown, unknown];
    const nextDueAt = new Date(String(at));
    if (typeof at !== "string" || !isStorableDate(nextDueAt) || typeof invoiceId !== "string") throw new Error("bad cursor");
    return { invoiceId, nextDueAt };
  } catch {
    throw new ValidationError({ field: "cursor", message: "[@atom/ledger] runRecognition: cursor is not one this ledger issued" });
  }
}

function invalidEnd(message: string): ValidationError {
  return new ValidationError({ field: "end", message: `[@atom/ledger] scheduleRecognition: ${message}` });
}

interface CatchUp {
  recognized: RecognizedPeriod[];
  failure: AtomError | null;
}

/** Posts the schedule's due periods, each capped by what the invoice still has deferred; stops when it runs out. */
async function catchUpIn(scope: ManagedScope, source: InvoiceSource, invoiceId: string, asOf: Date): Promise<CatchUp> {
  // The invoice is locked first, as every operation that draws on its deferred sub-ledger does (a credit note
  // included), so what is left cannot change between reading it here and posting the periods.
  const invoice = await readInvoice(source, scope.records, invoiceId, true);
  const schedule = await scope.records.getSchedule(invoiceId, { lock: true });
  const recognized: RecognizedPeriod[] = [];
  if (!schedule) return { recognized, failure: null };
  let left = invoice ? (await deferredBalance(scope, invoice)).outstanding : 0n;
  const deferred = recognitionAccount("deferredRevenue", schedule.currency);
  const revenue = recognitionAccount("serviceRevenue", schedule.currency);
  await scope.createAccount(revenue);
  let done = schedule.recognizedPeriods;
  let failure: AtomError | null = null;
  // `nextDueAt` is where the next unrecognized period ends (null once all are recognized).
  let periodEnd = schedule.nextDueAt;
  while (periodEnd !== null && periodEnd.getTime() <= asOf.getTime()) {
    const planned = periodAmount(schedule.amount, schedule.periods, done);
    const amount = planned < left ? planned : left;
    if (amount <= 0n) {
      failure = new LedgerNothingDeferredError({ invoiceId });
      break;
    }
    const { transaction } = await scope.postManaged(invoiceKeys.period(invoiceId, done + 1), {
      description: `Revenue recognized for invoice ${invoiceId}, period ${done + 1} of ${schedule.periods}`,
      // A period that ended before the schedule existed is caught up when the schedule was made: never dated before
      // the deferral it draws on (scheduling requires the deferral first).
      effectiveAt: periodEnd < schedule.createdAt ? schedule.createdAt : periodEnd,
      sourceRef: { type: "invoice", id: invoiceId },
      metadata: { period: done + 1, periods: schedule.periods },
      entries: [
        { account: deferred.code, side: "debit", amount, currency: schedule.currency },
        { account: revenue.code, side: "credit", amount, currency: schedule.currency },
      ],
    });
    left -= amount;
    done += 1;
    recognized.push({ invoiceId, period: done, periodEnd, amount, transaction });
    periodEnd = done < schedule.periods ? periodBoundary(schedule.start, schedule.period, done + 1) : null;
  }
  if (done !== schedule.recognizedPeriods) await scope.records.setScheduleProgress(invoiceId, done, periodEnd);
  return { recognized, failure };
}

/** @internal Builds the schedule operations on the posting core. */
export function recognitionScheduleOperations(core: PostingCore, clock: () => Date, source: InvoiceSource): RecognitionScheduleOperations {
  return {
    async scheduleRecognition(invoiceId, options) {
      const { client, ...span } = options ?? {};
      const input = parseInput(scheduleSchema, { invoiceId, ...span }, "[@atom/ledger] scheduleRecognition");
      const periods = countPeriods(input.start, input.end, input.period);
      if (periods === undefined) throw invalidEnd(`end must be a whole number of ${input.period}s after start`);
      if (periods > MAX_PERIODS) throw invalidEnd(`at most ${MAX_PERIODS} periods, got ${periods}`);
      return core.managed(async (scope) => {
        const invoice = await loadInvoice(source, scope, input.invoiceId, "schedule revenue recognition");
        if (await scope.records.getSchedule(input.invoiceId)) {
          throw new LedgerRecognitionScheduledError({ invoiceId: input.invoiceId, operation: "schedule it again" });
        }
        if (await scope.findManaged(invoiceKeys.recognition(input.invoiceId))) {
          throw new InvoiceStateError({ invoiceId: input.invoiceId, status: invoice.status, operation: "schedule revenue already recognized" });
        }
        const { outstanding } = await deferredBalance(scope, invoice);
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
        await scope.records.insertSchedule(schedule);
        if (invoice.status === "DRAFT") await source.setInvoiceStatus(input.invoiceId, "OPEN", sourceContext(scope.records));
        return schedule;
      }, client === undefined ? {} : { client });
    },

    async runRecognition(options) {
      const { client, ...window } = options ?? {};
      const { asOf, limit, cursor } = parseInput(runSchema, window, "[@atom/ledger] runRecognition");
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const call = client === undefined ? {} : { client };
      const due = await core.managed((scope) => scope.records.dueSchedules(asOf, limit + 1, after), call);
      const page = due.slice(0, limit);
      const recognized: RecognizedPeriod[] = [];
      const failed: RecognitionFailure[] = [];
      for (const { invoiceId } of page) {
        try {
          const result = await core.managed((scope) => catchUpIn(scope, source, invoiceId, asOf), call);
          recognized.push(...result.recognized);
          if (result.failure) failed.push({ invoiceId, error: result.failure });
        } catch (error) {
          failed.push({ invoiceId, error: toAtomError(error) });
        }
      }
      const last = page.at(-1);
      const more = due.length > limit && last !== undefined;
      return { recognized, failed, more, nextCursor: more ? encodeCursor(last) : null };
    },

    async getSchedule(invoiceId, options) {
      const id = parseInput(invoiceArgumentSchema, { invoiceId }, "[@atom/ledger] getSchedule").invoiceId;
      return (await core.managed((scope) => scope.records.getSchedule(id), options)) ?? null;
    },
  };
}
