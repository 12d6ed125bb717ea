import { OpenFeature } from "@openfeature/server-sdk";
import { afterAll, describe, expect, it } from "vitest";
import { createGovernanceFlags, type FlagAuditEvent, type FlagProvider } from "./index.js";
import { AtomFlagsProvider } from "./openfeature.js";

afterAll(() => OpenFeature.close());

const BYPASS = "EMERGENCY_GOVERNANCE_BYPASS";
const UNTIL = "EMERGENCY_GOVERNANCE_BYPASS_UNTIL";
const HOUR = 3_600_000;
const START = Date.parse("2026-03-01T10:00:00Z");

/** Governance flags with the bypass on for one hour from START, a movable clock and a recorded audit trail. */
function activeBypass() {
  let now = START;
  const audits: FlagAuditEvent[] = [];
  const gf = createGovernanceFlags({
    features: ["browser"],
    clock: () => new Date(now),
    onAudit: (event) => void audits.push(event),
    env: { [BYPASS]: "true", [UNTIL]: "2026-03-01T11:00:00Z" },
  });
  return { gf, audits, advance: (ms: number) => void (now += ms) };
}

describe("every read of the emergency bypass applies its expiry and is audited", () => {
  it("flags.get and flags.evaluate read the bypass as isEmergencyBypassActive does", () => {
    const { gf, audits, advance } = activeBypass();
    expect(gf.flags.get(BYPASS)).toBe(true);
    expect(gf.flags.evaluate(BYPASS)).toEqual({ value: true, source: "env" });
    expect(audits).toEqual([
      { flag: BYPASS, value: true, source: "env", time: new Date(START) },
      { flag: BYPASS, value: true, source: "env", time: new Date(START) },
    ]);
    advance(2 * HOUR);
    expect(gf.flags.get(BYPASS)).toBe(false);
    expect(gf.flags.evaluate(BYPASS)).toEqual({ value: false, source: "env" });
    expect(gf.flags.snapshot().find((entry) => entry.key === BYPASS)?.value).toBe(false);
    expect(audits).toHaveLength(2);
  });

  it("an OpenFeature client reading through AtomFlagsProvider sees the expiry and leaves an audit event", async () => {
    const { gf, audits, advance } = activeBypass();
    await OpenFeature.setProviderAndWait("bypass", new AtomFlagsProvider(gf.flags));
    const client = OpenFeature.getClient("bypass");
    expect(await client.getBooleanValue(BYPASS, false)).toBe(true);
    expect(audits).toHaveLength(1);
    advance(2 * HOUR);
    expect(await client.getBooleanValue(BYPASS, true)).toBe(false);
    expect(audits).toHaveLength(1);
  });

  it("snapshot() reports the bypass as it applies, audited while on", () => {
    const { gf, audits } = activeBypass();
    expect(gf.flags.snapshot().find((entry) => entry.key === BYPASS)).toMatchObject({ value: true, source: "env" });
    expect(audits).toHaveLength(1);
  });

  it("onChange listeners of the bypass receive the value as it applies", () => {
    let value: unknown = false;
    let until: unknown;
    let notify: (keys: readonly string[]) => void = () => undefined;
    const provider: FlagProvider = {
      name: "remote",
      get: (key) => (key === BYPASS ? value : key === UNTIL ? until : undefined),
      subscribe: (listener) => {
        notify = listener;
        return () => undefined;
      },
    };
    const audits: FlagAuditEvent[] = [];
    const gf = createGovernanceFlags({
      features: ["browser"],
      providers: [provider],
      clock: () => new Date(START),
      onAudit: (event) => void audits.push(event),
      onWarning: () => undefined,
      env: {},
    });
    const seen: unknown[] = [];
    gf.flags.onChange(BYPASS, (next, previous) => seen.push([next, previous]));
    value = true; // switched on remotely without an expiry: refused, so nothing changed
    notify([BYPASS]);
    expect(seen).toEqual([]);
    expect(audits).toEqual([]);
    until = "2026-03-01T11:00:00Z";
    notify([UNTIL]);
    expect(seen).toEqual([[true, false]]);
    expect(audits).toHaveLength(1);
  });
});

describe("an expiry refused when the bypass was switched on stays refused", () => {
  it("a staged expiry too far ahead does not become valid as time passes", () => {
    let now = START;
    const warnings: string[] = [];
    const audits: FlagAuditEvent[] = [];
    const gf = createGovernanceFlags({
      features: ["browser"],
      env: { [UNTIL]: "2026-03-04T10:00:00Z" },
      clock: () => new Date(now),
      onWarning: (message) => void warnings.push(message),
      onAudit: (event) => void audits.push(event),
    });
    gf.flags.override({ [BYPASS]: true }, () => {
      expect(gf.isEmergencyBypassActive()).toBe(false);
      now += 49 * HOUR;
      expect(gf.isEmergencyBypassActive()).toBe(false);
      expect(gf.shouldEnforceGovernance("browser")).toBe(true);
    });
    expect(audits).toEqual([]);
    expect(warnings).toEqual([
      `[@atom/flags] ${BYPASS} is on without a valid ${UNTIL} (an ISO-8601 time at most 24 h after it was first seen): the bypass stays off`,
    ]);
  });

  it("an expiry a provider sets while the bypass is off is timed from when the provider reported it", () => {
    let now = START;
    const values: Record<string, unknown> = {};
    let notify: (keys: readonly string[]) => void = () => undefined;
    const provider: FlagProvider = {
      name: "remote",
      get: (key) => values[key],
      subscribe: (listener) => {
        notify = listener;
        return () => undefined;
      },
    };
    const gf = createGovernanceFlags({
      features: ["browser"],
      providers: [provider],
      env: {},
      clock: () => new Date(now),
      onWarning: () => undefined,
      onAudit: () => undefined,
    });
    values[UNTIL] = "2026-03-04T10:00:00Z";
    notify([UNTIL]);
    now += 49 * HOUR;
    values[BYPASS] = true;
    expect(gf.isEmergencyBypassActive()).toBe(false);
  });

  it("warns again for each newly refused expiry, and accepts a valid one set later", () => {
    let now = START;
    const warnings: string[] = [];
    const gf = createGovernanceFlags({
      features: ["browser"],
      env: {},
      clock: () => new Date(now),
      onWarning: (message) => void warnings.push(message),
      onAudit: () => undefined,
    });
    gf.flags.override({ [BYPASS]: true }, () => expect(gf.isEmergencyBypassActive()).toBe(false));
    gf.flags.override({ [BYPASS]: true, [UNTIL]: "2026-03-04T10:00:00Z" }, () => expect(gf.isEmergencyBypassActive()).toBe(false));
    gf.flags.override({ [BYPASS]: true, [UNTIL]: "2026-03-04T10:00:00Z" }, () => expect(gf.isEmergencyBypassActive()).toBe(false));
    now += HOUR;
    gf.flags.override({ [BYPASS]: true, [UNTIL]: "2026-03-01T12:00:00Z" }, () => expect(gf.isEmergencyBypassActive()).toBe(true));
    expect(warnings).toHaveLength(2);
    gf.flags.override({ [BYPASS]: true }, () => expect(gf.isEmergencyBypassActive()).toBe(false));
    expect(warnings).toHaveLength(3);
  });
});

describe("a failing audit refuses the bypass and never crashes the process", () => {
  const env = { [BYPASS]: "true", [UNTIL]: "2026-03-01T11:00:00Z" };

  it("an onAudit that throws refuses the bypass for that evaluation, with a warning", () => {
    const warnings: string[] = [];
    let fail = true;
    const gf = createGovernanceFlags({
      features: ["browser"],
      env,
      clock: () => new Date(START),
      onWarning: (message) => void warnings.push(message),
      onAudit: () => {
        if (fail) throw new Error("audit DB down at postgres://user:secret@db");
      },
    });
    expect(gf.shouldEnforceGovernance("browser")).toBe(true);
    expect(gf.isEmergencyBypassActive()).toBe(false);
    expect(warnings).toEqual(["[@atom/flags] onAudit failed: the emergency bypass is refused until an audit succeeds"]);
    fail = false;
    expect(gf.isEmergencyBypassActive()).toBe(true);
  });

  it("an async onAudit: no bypass until an audit resolved, refused again after one rejects, no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const warnings: string[] = [];
      let fail = false;
      const gf = createGovernanceFlags({
        features: ["browser"],
        env,
        clock: () => new Date(START),
        onWarning: (message) => void warnings.push(message),
        onAudit: async () => {
          if (fail) throw new Error("audit DB down");
        },
      });
      expect(gf.isEmergencyBypassActive()).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(gf.isEmergencyBypassActive()).toBe(true);
      fail = true;
      expect(gf.shouldEnforceGovernance("browser")).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(gf.shouldEnforceGovernance("browser")).toBe(true);
      expect(warnings).toEqual(["[@atom/flags] onAudit failed: the emergency bypass is refused until an audit succeeds"]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
