import { z } from "zod";
import { describe, expect, it } from "vitest";
import { parseInput, ValidationError } from "./index.js";

describe("parseInput", () => {
  const schema = z.object({ entries: z.array(z.object({ amount: z.bigint() })).min(2) });

  it("returns parsed data", () => {
    expect(parseInput(schema, { entries: [{ amount: 1n }, { amount: 2n }] }, "[@atom/x] post")).toEqual({
      entries: [{ amount: 1n }, { amount: 2n }],
    });
  });

  it("throws a VALIDATION_ERROR naming the package, function and field", () => {
    try {
      parseInput(schema, { entries: [{ amount: 1 }, { amount: 2n }] }, "[@atom/ledger] post");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({
        code: "VALIDATION_ERROR",
        message: '[@atom/ledger] post: "entries.0.amount" Invalid input: expected bigint, received number',
        details: { field: "entries.0.amount" },
      });
    }
  });
});

describe("parseInput on input that throws while it is read", () => {
  it("refuses it with VALIDATION_ERROR, not the raw error", () => {
    const schema = z.object({ a: z.string() });
    const trap = new Proxy({}, { get: () => { throw new Error("trap"); } });
    const getter = Object.defineProperty({}, "a", { enumerable: true, get: () => { throw new Error("getter"); } });
    for (const input of [trap, getter]) {
      expect(() => parseInput(schema, input, "[@atom/x] f")).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR", message: "[@atom/x] f: the input could not be read (a getter or Proxy trap threw)" }));
    }
  });
});
