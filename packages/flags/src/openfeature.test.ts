import { InMemoryProvider, OpenFeature } from "@openfeature/server-sdk";
import { afterAll, describe, expect, it } from "vitest";
import { defineFlags, flag } from "./index.js";
import { AtomFlagsProvider, openFeatureSource } from "./openfeature.js";

afterAll(() => OpenFeature.close());

describe("AtomFlagsProvider", () => {
  it("serves Atom flags to an OpenFeature client, rollout included", async () => {
    const flags = defineFlags(
      {
        BROWSER_GOVERNANCE_ENABLED: flag.boolean({ default: true }),
        REGION: flag.enum(["eu", "us"], { default: "eu" }),
        beta: flag.boolean({ default: true, rules: { deny: ["u-banned"] } }),
      },
      { env: { REGION: "us" } },
    );
    await OpenFeature.setProviderAndWait("atom", new AtomFlagsProvider(flags));
    const client = OpenFeature.getClient("atom");
    expect(await client.getBooleanValue("BROWSER_GOVERNANCE_ENABLED", false)).toBe(true);
    expect(await client.getStringValue("REGION", "eu")).toBe("us");
    expect(await client.getBooleanValue("beta", true, { targetingKey: "u-banned" })).toBe(false);
    const missing = await client.getBooleanDetails("nope", false);
    expect(missing).toMatchObject({ value: false, errorCode: "FLAG_NOT_FOUND" });
    const mismatch = await client.getNumberDetails("REGION", 0);
    expect(mismatch).toMatchObject({ value: 0, errorCode: "TYPE_MISMATCH" });
  });
});

describe("openFeatureSource", () => {
  it("reads values from an OpenFeature client and follows its changes", async () => {
    const memory = new InMemoryProvider({
      darkMode: { variants: { on: true, off: false }, defaultVariant: "on", disabled: false },
    });
    await OpenFeature.setProviderAndWait("remote", memory);
    const definitions = { darkMode: flag.boolean({ default: false, env: "DARK_MODE" }) };
    const source = await openFeatureSource(OpenFeature.getClient("remote"), definitions);
    const flags = defineFlags(definitions, { env: { DARK_MODE: "false" }, providers: [source] });
    expect(flags.evaluate("darkMode")).toEqual({ value: true, source: "provider:openfeature" });
    const changed = new Promise<boolean>((resolve) => flags.onChange("darkMode", (value) => resolve(value)));
    await memory.putConfiguration({
      darkMode: { variants: { on: true, off: false }, defaultVariant: "off", disabled: false },
    });
    expect(await changed).toBe(false);
    expect(flags.get("darkMode")).toBe(false);
  });
});
