import { describe, expect, it, vi } from "vitest";
import { createGovernanceFlags, type FlagAuditEvent } from "./index.js";

const features = ["browser", "canvas"];

describe("createGovernanceFlags", () => {
  it("matches the seed: governance on by default, bypass off", () => {
    const g = createGovernanceFlags({ features, env: {} });
    expect(g.governanceFlag("browser")).toBe("BROWSER_GOVERNANCE_ENABLED");
    expect(g.isGovernanceEnabled("browser")).toBe(true);
    expect(g.isGovernanceEnabled("canvas")).toBe(true);
    expect(g.isEmergencyBypassActive()).toBe(false);
    expect(g.shouldEnforceGovernance("browser")).toBe(true);
  });

  it("turns one feature off by its variable", () => {
    const g = createGovernanceFlags({ features, env: { CANVAS_GOVERNANCE_ENABLED: "false" } });
    expect(g.shouldEnforceGovernance("canvas")).toBe(false);
    expect(g.shouldEnforceGovernance("browser")).toBe(true);
  });

  it("fails closed for unknown features and warns once per feature", () => {
    const onWarning = vi.fn();
    const g = createGovernanceFlags({ features, env: { BROWSER_GOVERNANCE_ENABLED: "0" }, onWarning });
    expect(g.shouldEnforceGovernance("telepathy")).toBe(true);
    expect(g.isGovernanceEnabled("telepathy")).toBe(true);
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning).toHaveBeenCalledWith('[@atom/flags] unknown governance feature "telepathy": governance is enforced');
  });

  it("reports unknown features within a bound, quoting hostile names, and still enforces every one", () => {
    const onWarning = vi.fn();
    const g = createGovernanceFlags({ features, env: {}, onWarning });
    for (let i = 0; i < 5_000; i++) expect(g.shouldEnforceGovernance(`probe-${i}`)).toBe(true);
    // A caller that passes request data as the feature cannot grow memory or the log without bound.
    expect(onWarning.mock.calls.length).toBeLessThanOrEqual(1_001);
    expect(onWarning).toHaveBeenLastCalledWith(expect.stringContaining("further unknown governance features are not reported"));
    const messages: string[] = [];
    const fresh = createGovernanceFlags({ features, env: {}, onWarning: (message) => messages.push(message) });
    expect(fresh.isGovernanceEnabled(`x\r\nlevel=info forged${"y".repeat(10_000)}`)).toBe(true);
    expect(messages).toHaveLength(1);
    expect(messages[0]).not.toMatch(/[\r\n]/);
    expect(messages[0]?.length).toBeLessThan(400);
  });

  it("audits every evaluation while the bypass is active", () => {
    const events: FlagAuditEvent[] = [];
    const time = new Date("2026-03-01T10:00:00Z");
    const g = createGovernanceFlags({
      features,
      env: { EMERGENCY_GOVERNANCE_BYPASS: "true", EMERGENCY_GOVERNANCE_BYPASS_UNTIL: "2026-03-01T12:00:00Z" },
      onAudit: (event) => events.push(event),
      clock: () => time,
    });
    expect(g.shouldEnforceGovernance("browser")).toBe(false);
    expect(g.isEmergencyBypassActive()).toBe(true);
    expect(events).toEqual([
      { flag: "EMERGENCY_GOVERNANCE_BYPASS", value: true, source: "env", time, feature: "browser" },
      { flag: "EMERGENCY_GOVERNANCE_BYPASS", value: true, source: "env", time },
    ]);
  });

  it("turns the bypass off by itself when its expiry passes (injected clock)", () => {
    let now = new Date("2026-03-01T10:00:00Z");
    const events: FlagAuditEvent[] = [];
    const g = createGovernanceFlags({
      features,
      env: { EMERGENCY_GOVERNANCE_BYPASS: "on", EMERGENCY_GOVERNANCE_BYPASS_UNTIL: "2026-03-01T11:00:00Z" },
      onAudit: (event) => events.push(event),
      clock: () => now,
    });
    expect(g.shouldEnforceGovernance("browser")).toBe(false);
    now = new Date("2026-03-01T11:00:00Z");
    expect(g.shouldEnforceGovernance("browser")).toBe(true);
    expect(g.isEmergencyBypassActive()).toBe(false);
    expect(events).toHaveLength(1);
  });

  it("refuses bad values at startup", () => {
    expect(() => createGovernanceFlags({ features, env: { EMERGENCY_GOVERNANCE_BYPASS: "sometimes" } })).toThrow(
      expect.objectContaining({ code: "FLAGS_CONFIG_ERROR", details: expect.objectContaining({ variable: "EMERGENCY_GOVERNANCE_BYPASS" }) }),
    );
    expect(() =>
      createGovernanceFlags({ features, env: { EMERGENCY_GOVERNANCE_BYPASS_UNTIL: "next tuesday" } }),
    ).toThrow('[@atom/flags] EMERGENCY_GOVERNANCE_BYPASS_UNTIL="next tuesday" is not a valid ISO-8601 time');
    expect(() => createGovernanceFlags({ features: [] })).toThrow(expect.objectContaining({ code: "VALIDATION_ERROR" }));
  });

  it("lets tests override the bypass in a scope, with an expiry", () => {
    const now = new Date("2026-03-01T10:00:00Z");
    const g = createGovernanceFlags({ features, env: {}, onAudit: () => undefined, onWarning: () => undefined, clock: () => now });
    g.flags.override({ EMERGENCY_GOVERNANCE_BYPASS: true, EMERGENCY_GOVERNANCE_BYPASS_UNTIL: "2026-03-01T11:00:00Z" }, () => {
      expect(g.shouldEnforceGovernance("browser")).toBe(false);
    });
    expect(g.shouldEnforceGovernance("browser")).toBe(true);
  });

  it("requires an expiry for the bypass, at most maxBypassMs ahead (default 24 h)", () => {
    const clock = () => new Date("2026-03-01T10:00:00Z");
    expect(() => createGovernanceFlags({ features, clock, env: { EMERGENCY_GOVERNANCE_BYPASS: "true" } })).toThrow(
      '[@atom/flags] EMERGENCY_GOVERNANCE_BYPASS_UNTIL="" is not a valid ISO-8601 time at most 24 h ahead (required while EMERGENCY_GOVERNANCE_BYPASS is on)',
    );
    expect(() =>
      createGovernanceFlags({
        features,
        clock,
        env: { EMERGENCY_GOVERNANCE_BYPASS: "true", EMERGENCY_GOVERNANCE_BYPASS_UNTIL: "2026-03-02T10:00:01Z" },
      }),
    ).toThrow(expect.objectContaining({ code: "FLAGS_CONFIG_ERROR", details: expect.objectContaining({ variable: "EMERGENCY_GOVERNANCE_BYPASS_UNTIL" }) }));
    const week = createGovernanceFlags({
      features,
      clock,
      maxBypassMs: 7 * 86_400_000,
      onAudit: () => undefined,
      env: { EMERGENCY_GOVERNANCE_BYPASS: "true", EMERGENCY_GOVERNANCE_BYPASS_UNTIL: "2026-03-05T10:00:00Z" },
    });
    expect(week.isEmergencyBypassActive()).toBe(true);
    expect(() => createGovernanceFlags({ features, clock, maxBypassMs: 30 * 86_400_000 })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: "maxBypassMs" }) }),
    );
  });

  it.each(["2026-03-01", "March 1, 2026 11:00", "2026/03/01 11:00", "1772362800000", "2026-03-01T11:00:00"])(
    "accepts only a full ISO-8601 time with a zone as the expiry, not %s",
    (until) => {
      expect(() =>
        createGovernanceFlags({ features, clock: () => new Date("2026-03-01T10:00:00Z"), env: { EMERGENCY_GOVERNANCE_BYPASS_UNTIL: until } }),
      ).toThrow(expect.objectContaining({ code: "FLAGS_CONFIG_ERROR" }));
    },
  );

  it("a bypass switched on later without a valid expiry stays off, and says so", () => {
    const warnings: string[] = [];
    const g = createGovernanceFlags({
      features,
      env: {},
      clock: () => new Date("2026-03-01T10:00:00Z"),
      onWarning: (message) => warnings.push(message),
      onAudit: () => undefined,
    });
    g.flags.override({ EMERGENCY_GOVERNANCE_BYPASS: true }, () => {
      expect(g.isEmergencyBypassActive()).toBe(false);
      expect(g.shouldEnforceGovernance("browser")).toBe(true);
    });
    g.flags.override({ EMERGENCY_GOVERNANCE_BYPASS: true, EMERGENCY_GOVERNANCE_BYPASS_UNTIL: "2027-01-01T00:00:00Z" }, () => {
      expect(g.isEmergencyBypassActive()).toBe(false);
    });
    const refused =
      "[@atom/flags] EMERGENCY_GOVERNANCE_BYPASS is on without a valid EMERGENCY_GOVERNANCE_BYPASS_UNTIL (an ISO-8601 time at most 24 h after it was first seen): the bypass stays off";
    // One warning per refused value: the missing expiry, then the one too far ahead.
    expect(warnings).toEqual([refused, refused]);
  });
});
