import { describe, expectTypeOf, it } from "vitest";
import { defineFlags, flag } from "./index.js";

const flags = defineFlags(
  {
    browserGovernance: flag.boolean({ default: true, env: "BROWSER_GOVERNANCE_ENABLED" }),
    region: flag.enum(["eu", "us"], { default: "eu" }),
    maxAgents: flag.number({ default: 1 }),
  },
  { env: {} },
);

describe("flag types", () => {
  it("types values by definition", () => {
    expectTypeOf(flags.get("browserGovernance")).toEqualTypeOf<boolean>();
    expectTypeOf(flags.get("region")).toEqualTypeOf<"eu" | "us">();
    expectTypeOf(flags.get("maxAgents")).toEqualTypeOf<number>();
  });

  it("rejects unknown keys and wrong override types", () => {
    // @ts-expect-error unknown flag
    flags.get("nope");
    // @ts-expect-error region must be "eu" | "us"
    flags.override({ region: "asia" }, () => undefined);
  });
});
