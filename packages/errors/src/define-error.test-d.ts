import { z } from "zod";
import { describe, expectTypeOf, it } from "vitest";
import { defineError } from "./index.js";

const QuotaExceeded = defineError({
  code: "QUOTA_EXCEEDED",
  status: 429,
  message: (d) => `Quota of ${d.limit} exceeded`,
  details: z.object({ limit: z.number(), plan: z.enum(["free", "pro"]) }),
});

describe("defineError types", () => {
  it("types details from the schema", () => {
    const error = new QuotaExceeded({ limit: 10, plan: "free" });
    expectTypeOf(error.details).toEqualTypeOf<{ limit: number; plan: "free" | "pro" }>();
    expectTypeOf(error.code).toEqualTypeOf<"QUOTA_EXCEEDED">();
    expectTypeOf(QuotaExceeded.code).toEqualTypeOf<"QUOTA_EXCEEDED">();
  });

  it("rejects wrong or missing details at compile time", () => {
    // @ts-expect-error plan must be "free" | "pro"
    new QuotaExceeded({ limit: 10, plan: "gold" });
    // @ts-expect-error limit is required
    new QuotaExceeded({ plan: "pro" });
    // @ts-expect-error details are required when a schema is given
    new QuotaExceeded();
  });

  it("allows omitting details when there is no schema", () => {
    const Simple = defineError({ code: "SIMPLE", message: "simple" });
    expectTypeOf(new Simple().code).toEqualTypeOf<"SIMPLE">();
  });
});
