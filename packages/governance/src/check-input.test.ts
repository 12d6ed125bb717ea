import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSchema, isWellFormedCheckInput, readCheckInput } from "./check-input.js";

const FIELDS = ["agentId", "complexity", "action", "feature", "actionName", "request", "approvalId"] as const;

/** Values close to every edge the schema draws: empty and 256/257-char strings, non-finite numbers, wrong types. */
const edgy = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom("", "a", "x".repeat(256), "x".repeat(257), "send_email"),
  fc.constantFrom("a\u0000", "a\u0007b", "\u009f", " a", "a ", "a\u00a0", "a\n", "\u2028a"),
  fc.string(),
  fc.constantFrom(0, 1, 3, 4, 5, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.integer(),
  fc.boolean(),
  fc.constant([]),
  fc.record({ method: fc.constantFrom("", "POST", 1), path: fc.constantFrom("", "/x", null) }),
  fc.record({ method: fc.constant("POST"), path: fc.constant("/x"), headers: fc.constant({ authorization: "Bearer secret" }) }),
);

/** Mostly well-formed values, so that a good share of inputs reach the fast path and get compared. */
const plausible = {
  agentId: fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), edgy),
  complexity: fc.oneof(fc.double(), fc.integer({ min: 0, max: 5 }), edgy),
  action: fc.oneof(fc.string(), edgy),
  feature: fc.oneof(fc.string(), edgy),
  actionName: fc.oneof(fc.string(), edgy),
  request: fc.oneof(fc.record({ method: fc.string(), path: fc.string() }), edgy),
  approvalId: fc.oneof(fc.string({ maxLength: 300 }), edgy),
};

const inputs = fc.oneof(
  fc.record(Object.fromEntries(FIELDS.map((field) => [field, edgy])), { requiredKeys: [] }),
  fc.record(plausible, { requiredKeys: ["agentId"] }),
  edgy,
);

describe("check input: the fast guard never accepts what zod refuses", () => {
  it("accepts a subset of the schema, and reads the same values", () => {
    let fast = 0;
    fc.assert(
      fc.property(inputs, (input) => {
        if (!isWellFormedCheckInput(input)) return;
        fast += 1;
        const parsed = checkSchema.safeParse(input);
        expect(parsed.success).toBe(true);
        expect(readCheckInput(input)).toEqual(parsed.data);
      }),
      { numRuns: 5_000 },
    );
    expect(fast).toBeGreaterThan(40);
  });

  it("takes the fast path for the inputs hosts send", () => {
    expect(isWellFormedCheckInput({ agentId: "a", complexity: 3 })).toBe(true);
    expect(isWellFormedCheckInput({ agentId: "a", action: "send_email", feature: "browser" })).toBe(true);
    expect(isWellFormedCheckInput({ agentId: "a", action: "x", request: { method: "POST", path: "/x" } })).toBe(true);
  });

  it("copies only the method and path of a request, never the caller's other fields", () => {
    const valid = readCheckInput({ agentId: "a", complexity: 1, request: { method: "POST", path: "/x", headers: { authorization: "t" } } });
    expect(valid.request).toEqual({ method: "POST", path: "/x" });
  });

  it("leaves everything else to zod, which names the field", () => {
    expect(() => readCheckInput({ agentId: "a", complexity: Number.NaN })).toThrow(/complexity/);
    expect(() => readCheckInput({ agentId: "x".repeat(257), complexity: 1 })).toThrow(/agentId/);
    expect(() => readCheckInput({ agentId: "a" })).toThrow(/complexity or action/);
    expect(() => readCheckInput({ agentId: "a\u0000", complexity: 1 })).toThrow(/agentId/);
    expect(() => readCheckInput({ agentId: "a ", complexity: 1 })).toThrow(/agentId/);
  });
});
