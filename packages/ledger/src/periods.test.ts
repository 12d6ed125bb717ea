import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countPeriods, MAX_PERIODS, periodAmount, periodBoundary } from "./periods.js";

const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe("recognition periods", () => {
  it("steps months from the start, clamping the day to the month's length", () => {
    const start = utc("2027-01-31");
    expect([1, 2, 3, 13].map((i) => periodBoundary(start, "month", i).toISOString().slice(0, 10))).toEqual([
      "2027-02-28",
      "2027-03-31",
      "2027-04-30",
      "2028-02-29",
    ]);
    expect(countPeriods(start, utc("2027-04-30"), "month")).toBe(3);
    expect(countPeriods(start, utc("2027-04-29"), "month")).toBeUndefined();
    expect(countPeriods(utc("2027-01-01"), utc("2027-01-01"), "day")).toBeUndefined();
    expect(countPeriods(utc("2027-01-01"), new Date(utc("2027-01-02").getTime() + 1), "day")).toBeUndefined();
  });

  it("splits any total into parts that sum exactly, all positive, the remainder on the last", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), fc.integer({ min: 1, max: MAX_PERIODS }), (total, periods) => {
        fc.pre(total >= BigInt(periods));
        // Plain comparisons in the loop (an expect per part made this 1M assertions, 10-50 s on a loaded machine).
        let sum = 0n;
        const wrong: number[] = [];
        for (let i = 0; i < periods; i++) {
          const part = periodAmount(total, periods, i);
          if (part <= 0n || (i < periods - 1 && part !== total / BigInt(periods))) wrong.push(i);
          sum += part;
        }
        expect(wrong).toEqual([]);
        expect(sum).toBe(total);
      }),
      { numRuns: 300 },
    );
  });

  it("counts back exactly the periods it stepped", () => {
    fc.assert(
      fc.property(
        fc.date({ min: utc("2000-01-01"), max: utc("2090-01-01"), noInvalidDate: true }),
        fc.constantFrom("day" as const, "month" as const),
        fc.integer({ min: 1, max: 400 }),
        (start, period, k) => {
          const end = periodBoundary(start, period, k);
          expect(countPeriods(start, end, period)).toBe(k);
          expect(periodBoundary(start, period, k - 1).getTime()).toBeLessThan(end.getTime());
        },
      ),
      { numRuns: 500 },
    );
  });
});
