import { defineFlags, flag } from "@atom/flags";
import { InMemoryProvider, OpenFeature } from "@openfeature/server-sdk";
import { bench, describe } from "vitest";

process.env.BENCH_BROWSER_GOVERNANCE_ENABLED = "true";

const flags = defineFlags({ BENCH_BROWSER_GOVERNANCE_ENABLED: flag.boolean({ default: true }) });

await OpenFeature.setProviderAndWait(
  "bench",
  new InMemoryProvider({
    BENCH_BROWSER_GOVERNANCE_ENABLED: { variants: { on: true, off: false }, defaultVariant: "on", disabled: false },
  }),
);
const client = OpenFeature.getClient("bench");

let sink = false;

describe("evaluate one boolean flag", () => {
  bench("@atom/flags flags.get", () => {
    sink = flags.get("BENCH_BROWSER_GOVERNANCE_ENABLED") !== sink;
  });

  bench("@openfeature/server-sdk InMemoryProvider getBooleanValue", async () => {
    sink = (await client.getBooleanValue("BENCH_BROWSER_GOVERNANCE_ENABLED", false)) !== sink;
  });

  bench('process.env read + === "true"', () => {
    sink = (process.env.BENCH_BROWSER_GOVERNANCE_ENABLED === "true") !== sink;
  });
});
