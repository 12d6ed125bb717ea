import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, type PostingContent, postingFingerprint } from "./canonical.js";

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 3 }),
  object: fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
})).value;

const content: fc.Arbitrary<PostingContent> = fc.record({
  entries: fc.array(
    fc.record({
      account: fc.string(),
      side: fc.constantFrom("debit" as const, "credit" as const),
      amount: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
      currency: fc.option(fc.string(), { nil: null }),
    }),
    { minLength: 2, maxLength: 4 },
  ),
  description: fc.string(),
  effectiveAt: fc.option(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), { nil: null }),
  sourceRef: fc.option(fc.record({ type: fc.string(), id: fc.string() }), { nil: null }),
  metadata: fc.option(fc.dictionary(fc.string(), json, { maxKeys: 4 }) as fc.Arbitrary<Record<string, unknown>>, { nil: null }),
  reverses: fc.option(fc.uuid(), { nil: null }),
});

describe("posting fingerprint", () => {
  it("is the SHA-256 of the canonical JSON of the content, so fingerprints stored before stay valid", () => {
    fc.assert(
      fc.property(content, (c) => {
        expect(postingFingerprint(c)).toBe(createHash("sha256").update(canonicalJson(c)).digest("base64url"));
      }),
      { numRuns: 500 },
    );
  });

  it("ignores the key order of metadata", () => {
    const base = { entries: [], description: "d", effectiveAt: null, sourceRef: null, reverses: null };
    expect(postingFingerprint({ ...base, metadata: { a: 1, b: { c: 2, d: 3 } } })).toBe(postingFingerprint({ ...base, metadata: { b: { d: 3, c: 2 }, a: 1 } }));
  });
});
