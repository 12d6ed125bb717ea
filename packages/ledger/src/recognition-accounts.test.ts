import { describe, expect, it } from "vitest";
import { recognitionAccount } from "./index.js";

describe("recognitionAccount", () => {
  it("gives the per-currency account of a kind", () => {
    expect(recognitionAccount("deferredRevenue", "JPY")).toEqual({ code: "2200-JPY", name: "Deferred Revenue (JPY)", type: "liability", currency: "JPY", allowNegative: false });
  });

  it.each([
    ["kind", "bank", "USD"],
    ["kind", "toString", "USD"],
    ["kind", 5, "USD"],
    ["currency", "cash", "usd"],
    ["currency", "cash", 5],
  ])("refuses a bad %s (%s, %s) with VALIDATION_ERROR naming it", (field, kind, currency) => {
    expect(() => recognitionAccount(kind as never, currency as never)).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field }) }),
    );
  });
});
