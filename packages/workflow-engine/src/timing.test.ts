import { describe, expect, it } from "vitest";
import { isoTime } from "./timing.js";

describe("isoTime", () => {
  it.each([0, 1, 999, 1000, 1_764_054_312_007, 1_764_054_312_099.9, -1, -1000, -1_500, 8.64e15, -8.64e15])(
    "formats %d like Date#toISOString, also when asked twice",
    (ms) => {
      expect([isoTime(ms), isoTime(ms)]).toEqual([new Date(ms).toISOString(), new Date(ms).toISOString()]);
    },
  );

  it("stays right across seconds and back again", () => {
    const times = [1_764_054_312_998, 1_764_054_312_999, 1_764_054_313_000, 1_764_054_312_500, 1_764_054_313_001];
    expect(times.map(isoTime)).toEqual(times.map((ms) => new Date(ms).toISOString()));
  });
});
