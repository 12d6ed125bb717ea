/** How a recognition schedule divides its span: calendar days or calendar months (UTC). */
export type RecognitionPeriod = "day" | "month";

/** The most periods one schedule may have (ten years of days). */
export const MAX_PERIODS = 3660;

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The start of period `index` (0 = `start`), in UTC. Months step from `start` each time with the day clamped to the
 * month's length, so Jan 31 → Feb 28 (or 29) → Mar 31, never drifting to the 28th.
 * @internal
 */
export function periodBoundary(start: Date, period: RecognitionPeriod, index: number): Date {
  if (period === "day") return new Date(start.getTime() + index * DAY_MS);
  const months = start.getUTCMonth() + index;
  const year = start.getUTCFullYear() + Math.floor(months / 12);
  const month = ((months % 12) + 12) % 12;
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
  const timeOfDay = start.getTime() - Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  return new Date(Date.UTC(year, month, day) + timeOfDay);
}

/**
 * How many whole periods run from `start` to `end`, or `undefined` when `end` is not exactly on a period boundary
 * after `start`.
 * @internal
 */
export function countPeriods(start: Date, end: Date, period: RecognitionPeriod): number | undefined {
  const span = end.getTime() - start.getTime();
  if (span <= 0) return undefined;
  if (period === "day") return span % DAY_MS === 0 ? span / DAY_MS : undefined;
  const estimate = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
  for (const k of [estimate - 1, estimate, estimate + 1]) {
    if (k >= 1 && periodBoundary(start, "month", k).getTime() === end.getTime()) return k;
  }
  return undefined;
}

/**
 * The amount of period `index` (0-based) when `total` is spread over `periods` equal parts: `total / periods`
 * rounded down, and the remainder on the last period, so the parts sum exactly to `total`.
 * @internal
 */
export function periodAmount(total: bigint, periods: number, index: number): bigint {
  const count = BigInt(periods);
  const share = total / count;
  return index === periods - 1 ? total - share * (count - 1n) : share;
}
