import { describe, expect, it } from "vitest";
import { parseBoolean, parseNumber } from "./index.js";

describe("parseBoolean", () => {
  it.each([
    ["true", true], ["TRUE", true], [" yes ", true], ["On", true], ["1", true],
    ["false", false], ["False", false], ["no", false], ["OFF", false], ["0", false],
  ])("%j → %s", (raw, value) => {
    expect(parseBoolean(raw)).toBe(value);
  });

  it.each(["", " ", "maybe", "tru", "2", "-1", "enabled", "y", "n", "null", "undefined", "1.0", "yes please"])(
    "refuses %j",
    (raw) => {
      expect(parseBoolean(raw)).toBeUndefined();
    },
  );
});

describe("parseNumber", () => {
  it.each([["42", 42], ["-1.5", -1.5], [" 7 ", 7], ["1e3", 1000]])("%j → %d", (raw, value) => {
    expect(parseNumber(raw)).toBe(value);
  });
  it.each(["", "abc", "NaN", "Infinity", "-Infinity", "12px"])("refuses %j", (raw) => {
    expect(parseNumber(raw)).toBeUndefined();
  });
});
