import { z } from "zod";
import { describe, expect, it, vi } from "vitest";
import { defineFlags, flag, type FlagProvider, FlagsConfigError, rolloutBucket } from "./index.js";

const definitions = {
  BROWSER_GOVERNANCE_ENABLED: flag.boolean({ default: true, description: "browser gate" }),
  maxAgents: flag.number({ default: 10, env: "MAX_AGENTS" }),
  region: flag.enum(["eu", "us"], { default: "eu", env: "REGION" }),
  banner: flag.string({ default: "", env: "BANNER" }),
  limits: flag.json(z.object({ rpm: z.number().int() }), { default: { rpm: 60 }, env: "LIMITS" }),
};

describe("defineFlags: environment and defaults", () => {
  it("parses every kind from the environment and falls back to defaults", () => {
    const flags = defineFlags(definitions, {
      env: { BROWSER_GOVERNANCE_ENABLED: "off", MAX_AGENTS: "25", REGION: "us", LIMITS: '{"rpm":5}' },
    });
    expect(flags.get("BROWSER_GOVERNANCE_ENABLED")).toBe(false);
    expect(flags.get("maxAgents")).toBe(25);
    expect(flags.get("region")).toBe("us");
    expect(flags.get("banner")).toBe("");
    expect(flags.get("limits")).toEqual({ rpm: 5 });
  });

  it.each([
    ["BROWSER_GOVERNANCE_ENABLED", "maybe", "boolean (true/false/1/0/yes/no/on/off)"],
    ["MAX_AGENTS", "lots", "finite number"],
    ["REGION", "asia", "one of eu, us"],
    ["LIMITS", '{"rpm":"fast"}', "JSON matching the flag's schema"],
    ["LIMITS", "{not json", "JSON matching the flag's schema"],
  ])("refuses %s=%j at startup with FLAGS_CONFIG_ERROR naming the variable and value", (variable, value, expected) => {
    const attempt = () => defineFlags(definitions, { env: { [variable]: value } });
    expect(attempt).toThrow(FlagsConfigError);
    expect(attempt).toThrow(`[@atom/flags] ${variable}=${JSON.stringify(value)} is not a valid ${expected}`);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: "FLAGS_CONFIG_ERROR", status: 500, details: { variable, value } });
    }
  });

  it("reads process.env by default", () => {
    vi.stubEnv("ATOM_FLAGS_TEST", "yes");
    try {
      expect(defineFlags({ ATOM_FLAGS_TEST: flag.boolean({ default: false }) }).get("ATOM_FLAGS_TEST")).toBe(true);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("defineFlags: source order", () => {
  const provider = (name: string, values: Record<string, unknown>): FlagProvider => ({ name, get: (key) => values[key] });

  it("overrides → providers in order → env → default, and reports the source", () => {
    const flags = defineFlags(definitions, {
      env: { MAX_AGENTS: "20", REGION: "us" },
      providers: [provider("remote", { maxAgents: 30 }), provider("fallback", { maxAgents: 40, region: "eu", banner: "hi" })],
    });
    expect(flags.evaluate("maxAgents")).toEqual({ value: 30, source: "provider:remote" });
    expect(flags.evaluate("region")).toEqual({ value: "eu", source: "provider:fallback" });
    expect(flags.evaluate("limits")).toEqual({ value: { rpm: 60 }, source: "default" });
    flags.override({ maxAgents: 50 }, () => {
      expect(flags.evaluate("maxAgents")).toEqual({ value: 50, source: "override" });
    });
    const env = defineFlags(definitions, { env: { MAX_AGENTS: "20" } });
    expect(env.evaluate("maxAgents")).toEqual({ value: 20, source: "env" });
  });

  it("parses provider strings and skips invalid provider values with a warning", () => {
    const onWarning = vi.fn();
    const flags = defineFlags(definitions, {
      providers: [provider("bad", { maxAgents: "many", BROWSER_GOVERNANCE_ENABLED: "no" })],
      onWarning,
    });
    expect(flags.get("BROWSER_GOVERNANCE_ENABLED")).toBe(false);
    expect(flags.evaluate("maxAgents")).toEqual({ value: 10, source: "default" });
    expect(onWarning).toHaveBeenCalledWith(
      '[@atom/flags] provider "bad" returned an invalid value for maxAgents; expected finite number',
    );
  });

  it("lists every flag in snapshot()", () => {
    const flags = defineFlags(definitions, { env: { REGION: "us" } });
    expect(flags.snapshot()).toEqual([
      { key: "BROWSER_GOVERNANCE_ENABLED", value: true, source: "default", env: "BROWSER_GOVERNANCE_ENABLED", description: "browser gate" },
      { key: "maxAgents", value: 10, source: "default", env: "MAX_AGENTS", description: undefined },
      { key: "region", value: "us", source: "env", env: "REGION", description: undefined },
      { key: "banner", value: "", source: "default", env: "BANNER", description: undefined },
      { key: "limits", value: { rpm: 60 }, source: "default", env: "LIMITS", description: undefined },
    ]);
  });
});

describe("defineFlags: scoped overrides", () => {
  const flags = defineFlags(definitions, { env: {} });

  it("nest, inner wins, and end with their scope", () => {
    flags.override({ maxAgents: 1, region: "us" }, () => {
      flags.override({ maxAgents: 2 }, () => {
        expect(flags.get("maxAgents")).toBe(2);
        expect(flags.get("region")).toBe("us");
      });
      expect(flags.get("maxAgents")).toBe(1);
    });
    expect(flags.get("maxAgents")).toBe(10);
  });

  it("keep concurrent async contexts apart", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: number[] = [];
    const a = flags.override({ maxAgents: 100 }, async () => {
      await gate;
      seen.push(flags.get("maxAgents"));
    });
    const b = flags.override({ maxAgents: 200 }, async () => {
      await gate;
      seen.push(flags.get("maxAgents"));
    });
    release();
    await Promise.all([a, b]);
    expect(seen.sort()).toEqual([100, 200]);
    expect(flags.get("maxAgents")).toBe(10);
  });

  it("refuse unknown keys and wrong types", () => {
    expect(() => flags.override({ maxAgents: "x" } as never, () => 0)).toThrow(
      "[@atom/flags] override: maxAgents must be a finite number",
    );
    expect(() => flags.override({ nope: true } as never, () => 0)).toThrow('[@atom/flags] override: unknown flag "nope"');
  });
});

describe("defineFlags: rollout rules", () => {
  const rollout = defineFlags(
    { newCheckout: flag.boolean({ default: true, rules: { percentage: 25, allow: ["vip"], deny: ["banned"] } }) },
    { env: {} },
  );

  it("gives the same key the same answer every time", () => {
    for (const key of ["a", "b", "user-42", "x".repeat(100)]) {
      const first = rollout.get("newCheckout", { targetingKey: key });
      for (let i = 0; i < 5; i++) expect(rollout.get("newCheckout", { targetingKey: key })).toBe(first);
    }
    expect(rolloutBucket("newCheckout", "user-42")).toBe(rolloutBucket("newCheckout", "user-42"));
  });

  it("puts 25% ± 2% of 10,000 keys in a 25% rollout", () => {
    let on = 0;
    for (let i = 0; i < 10_000; i++) if (rollout.get("newCheckout", { targetingKey: `user-${i}` })) on++;
    expect(on / 10_000).toBeGreaterThanOrEqual(0.23);
    expect(on / 10_000).toBeLessThanOrEqual(0.27);
  });

  it("applies allow and deny lists, deny first, and needs a targeting key for partial rollouts", () => {
    expect(rollout.get("newCheckout", { targetingKey: "vip" })).toBe(true);
    expect(rollout.get("newCheckout", { targetingKey: "banned" })).toBe(false);
    expect(rollout.get("newCheckout", {})).toBe(false);
    expect(rollout.get("newCheckout")).toBe(true);
    const off = defineFlags({ f: flag.boolean({ default: false, rules: { allow: ["vip"] } }) }, { env: {} });
    expect(off.get("f", { targetingKey: "vip" })).toBe(false);
  });
});

describe("defineFlags: onChange", () => {
  it("tells subscribers when a provider's change alters a value, once per change", () => {
    const values: Record<string, unknown> = { maxAgents: 1 };
    let notify!: (keys: readonly string[]) => void;
    const provider: FlagProvider = {
      name: "remote",
      get: (key) => values[key],
      subscribe: (listener) => {
        notify = listener;
        return () => undefined;
      },
    };
    const flags = defineFlags(definitions, { env: {}, providers: [provider] });
    const listener = vi.fn();
    const unsubscribe = flags.onChange("maxAgents", listener);
    values.maxAgents = 2;
    notify(["maxAgents"]);
    notify(["maxAgents"]);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(2, 1);
    unsubscribe();
    values.maxAgents = 3;
    notify(["maxAgents"]);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe("defineFlags: keys that name Object.prototype members are unknown flags", () => {
  const flags = defineFlags({ newCheckout: flag.boolean({ default: false }) }, { env: {} });
  const unknown = (key: string) => ({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "key" }), message: `[@atom/flags] unknown flag "${key}"` });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])("get, evaluate and onChange refuse %s", (key) => {
    expect(() => flags.get(key as never)).toThrow(expect.objectContaining(unknown(key)));
    expect(() => flags.evaluate(key as never)).toThrow(expect.objectContaining(unknown(key)));
    expect(() => flags.onChange(key as never, () => undefined)).toThrow(expect.objectContaining(unknown(key)));
  });

  it("override refuses them, from an object literal or parsed JSON", () => {
    const refused = (key: string) =>
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: key }), message: `[@atom/flags] override: unknown flag "${key}"` });
    expect(() => flags.override({ constructor: true } as never, () => 0)).toThrow(refused("constructor"));
    expect(() => flags.override(JSON.parse('{"__proto__": true}') as never, () => 0)).toThrow(refused("__proto__"));
  });
});
