import { describe, expect, it } from "vitest";
import { formatMoney, money } from "./index.js";

describe("money", () => {
  it.each([
    ["12.34", "USD", 1234n],
    ["12", "USD", 1200n],
    ["0.5", "USD", 50n],
    ["1500", "JPY", 1500n],
    ["1.234", "KWD", 1234n],
    ["92233720368547758.07", "USD", 2n ** 63n - 1n],
  ])("parses %s %s strictly", (value, currency, amount) => {
    expect(money(value, currency)).toEqual({ amount, currency });
  });

  it.each([
    ["12.345", "USD", "USD has 2 decimal places"],
    ["1.5", "JPY", "JPY has 0 decimal places"],
    ["-1.00", "USD", "is not a non-negative decimal amount"],
    ["NaN", "USD", "is not a non-negative decimal amount"],
    ["1e3", "USD", "is not a non-negative decimal amount"],
    ["92233720368547758.08", "USD", "exceeds 2^63 - 1"],
    ["1.00", "usd", "ISO 4217"],
  ])("refuses %s %s", (value, currency, message) => {
    expect(() => money(value, currency)).toThrow(message);
  });

  it("refuses floats", () => {
    expect(() => money(12.34 as never, "USD")).toThrow("not a number");
  });

  it("formats minor units", () => {
    expect(formatMoney(1234n, "USD")).toBe("12.34");
    expect(formatMoney(5n, "USD")).toBe("0.05");
    expect(formatMoney(-1500n, "JPY")).toBe("-1500");
    expect(formatMoney(1234n, "KWD")).toBe("1.234");
  });
});

describe("currencyExponent (complete ISO 4217 table)", () => {
  it.each([
    ["IQD", 3],
    ["CLF", 4],
    ["UYW", 4],
    ["JPY", 0],
    ["VES", 2],
    ["BHD", 3],
    ["EUR", 2],
  ])("%s has %i decimal places", async (code, exponent) => {
    const { currencyExponent } = await import("./index.js");
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each(["ABC", "XAU", "XDR", "usd", "US"])("refuses %s", async (code) => {
    const { currencyExponent } = await import("./index.js");
    expect(() => currencyExponent(code)).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "currency" }) }));
  });

  it("parses IQD with three decimals", () => {
    expect(money("1.234", "IQD")).toEqual({ amount: 1234n, currency: "IQD" });
  });
});

describe("formatMoney", () => {
  it.each([12.5, Number.NaN, 1e21, -0, "abc", null])("refuses %s, which is not a bigint amount", (amount) => {
    expect(() => formatMoney(amount as never, "USD")).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "amount" }) }),
    );
  });

  it.each([
    [1234n, "USD", "12.34"],
    [-5n, "BHD", "-0.005"],
    [5000n, "JPY", "5000"],
    [0n, "USD", "0.00"],
  ])("formats %s %s as %s", (amount, currency, text) => {
    expect(formatMoney(amount, currency)).toBe(text);
  });
});
