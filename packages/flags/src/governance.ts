import { z } from "zod";
import { parseInput } from "@atom/errors";
import { type DefineFlagsOptions, defineFlags, type Flags } from "./define-flags.js";
import { FlagsConfigError } from "./errors.js";
import { flag, type FlagDefinition } from "./flag.js";
import { BYPASS, BYPASS_UNTIL, createBypass, type FlagAuditEvent, hours, isoInstant, withBypassReads } from "./emergency-bypass.js";

export type { FlagAuditEvent } from "./emergency-bypass.js";

/** What every governance gate needs from flags. `@atom/governance` accepts any object of this shape. */
export interface GovernanceFlagsReader {
  /** Whether governance is on for a feature. Unknown features are governed (fail closed). */
  isGovernanceEnabled(feature: string): boolean;
  /** Whether the emergency bypass is on (and not past its expiry). Every call while it is on is audited. */
  isEmergencyBypassActive(): boolean;
  /** `!isEmergencyBypassActive() && isGovernanceEnabled(feature)`. */
  shouldEnforceGovernance(feature: string): boolean;
}

/** Options of {@link createGovernanceFlags}. */
export interface GovernanceFlagsOptions extends DefineFlagsOptions {
  /** Feature names (`browser`, `canvas`); each gets `<FEATURE>_GOVERNANCE_ENABLED`, default true. */
  features: readonly string[];
  /**
   * Receives the bypass audit trail: one event per evaluation while the bypass applies. The bypass applies only when
   * its audit succeeds: a sink that throws refuses it for that evaluation; an async sink (returning a promise) lets it
   * apply once one of its audits resolved and refuses it from its first rejection until another resolves. Failures
   * are reported once through `onWarning`, never as an unhandled rejection. @default logs each event with console.warn
   */
  onAudit?: (event: FlagAuditEvent) => unknown;
  /** Clock for the bypass expiry. @default () => new Date() */
  clock?: () => Date;
  /**
   * How far ahead `EMERGENCY_GOVERNANCE_BYPASS_UNTIL` may be, in ms, at most 7 days, counted from when its value was
   * first seen (at startup, when a provider reports it, or at its first read): an expiry refused once stays refused
   * as time passes. A bypass switched on without an expiry, or with one further ahead, is refused at startup
   * (`FLAGS_CONFIG_ERROR`), and stays off when switched on later (an override, a provider), with a warning for each
   * refused value. @default 86_400_000 (24 hours)
   */
  maxBypassMs?: number;
}

/** The governance flags: the reader plus the underlying typed flags. */
export interface GovernanceFlags extends GovernanceFlagsReader {
  /** The environment variable of a feature's toggle: `browser` → `BROWSER_GOVERNANCE_ENABLED`. */
  governanceFlag(feature: string): string;
  /**
   * The underlying flags (`<feature>` keys, `EMERGENCY_GOVERNANCE_BYPASS`, `EMERGENCY_GOVERNANCE_BYPASS_UNTIL`). Every
   * read of `EMERGENCY_GOVERNANCE_BYPASS` here (`get`, `evaluate`, `snapshot`, `onChange`, an OpenFeature client over
   * `AtomFlagsProvider`) gives the bypass as it applies, expiry and audit included, like `isEmergencyBypassActive()`.
   */
  readonly flags: Flags<Record<string, FlagDefinition<boolean> | FlagDefinition<string>>>;
}

const MAX_BYPASS_LIMIT_MS = 7 * 86_400_000;

const optionsSchema = z.object({
  features: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/i, "feature names are letters, digits and _")).min(1),
  maxBypassMs: z.number().int().positive().max(MAX_BYPASS_LIMIT_MS).optional(),
});

/** `browser` → `BROWSER_GOVERNANCE_ENABLED`. */
export function governanceFlag(feature: string): string {
  return `${feature.toUpperCase()}_GOVERNANCE_ENABLED`;
}

/** Distinct unknown feature names reported, at most: each is remembered, so a caller passing request data cannot grow memory. */
const MAX_REPORTED_UNKNOWN = 1000;
/** Characters of an unknown feature name put in its warning. */
const MAX_REPORTED_NAME = 200;

/**
 * The seed's `FeatureFlags`, done right: one toggle per feature (default on), an emergency bypass (default off) that
 * is audited on every evaluation and must expire (`EMERGENCY_GOVERNANCE_BYPASS_UNTIL`, a full ISO-8601 time with a
 * zone, at most `maxBypassMs` ahead), strict parsing at startup, and fail-closed for unknown features.
 *
 * @example
 * ```ts
 * const governance = createGovernanceFlags({ features: ["browser", "canvas"], onAudit: (e) => auditLog.write(e) });
 * if (governance.shouldEnforceGovernance("browser")) await checkAgent();
 * ```
 * @throws FlagsConfigError for a bad value, e.g. `EMERGENCY_GOVERNANCE_BYPASS=sometimes`, an expiry that is not a
 * full ISO-8601 time, or a bypass switched on without an expiry (or with one more than `maxBypassMs` ahead)
 */
export function createGovernanceFlags(options: GovernanceFlagsOptions): GovernanceFlags {
  const { features, maxBypassMs = 86_400_000 } = parseInput(optionsSchema, options, "[@atom/flags] createGovernanceFlags");
  const definitions: Record<string, FlagDefinition<boolean> | FlagDefinition<string>> = {};
  for (const feature of features) {
    definitions[feature] = flag.boolean({
      default: true,
      env: governanceFlag(feature),
      description: `Governance checks for ${feature} actions`,
    });
  }
  definitions[BYPASS] = flag.boolean({ default: false, description: "Emergency: skip every governance check (audited)" });
  definitions[BYPASS_UNTIL] = flag.string({
    default: "",
    description: "ISO-8601 time (with a zone) after which the emergency bypass turns off; required while it is on",
  });
  const raw = defineFlags(definitions, options);
  const clock = options.clock ?? (() => new Date());
  const until = raw.get(BYPASS_UNTIL) as string;
  if (until !== "" && isoInstant(until) === undefined) {
    throw new FlagsConfigError({ flag: BYPASS_UNTIL, variable: BYPASS_UNTIL, value: until, expected: "ISO-8601 time" });
  }
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const bypass = createBypass({
    flags: raw,
    clock,
    maxBypassMs,
    audit: options.onAudit ?? ((event: FlagAuditEvent) => console.warn("[@atom/flags] EMERGENCY GOVERNANCE BYPASS ACTIVE", event)),
    warn,
  });
  if (raw.get(BYPASS) === true && bypass.expiryOf(until) === undefined) {
    throw new FlagsConfigError({
      flag: BYPASS_UNTIL,
      variable: BYPASS_UNTIL,
      value: until,
      expected: `ISO-8601 time at most ${hours(maxBypassMs)} ahead (required while ${BYPASS} is on)`,
    });
  }
  const flags = withBypassReads(raw, bypass);
  const known = new Set(features);
  const warned = new Set<string>();
  const warnUnknown = (feature: string) => {
    if (warned.size > MAX_REPORTED_UNKNOWN || warned.has(feature)) return;
    warned.add(feature);
    if (warned.size > MAX_REPORTED_UNKNOWN) {
      warn(`[@atom/flags] ${MAX_REPORTED_UNKNOWN} unknown governance features reported; further unknown governance features are not reported (governance is enforced for all of them)`);
      return;
    }
    // Quoted and cut short: the name may come from a request, and must not forge log lines or flood the log.
    const name = feature.length > MAX_REPORTED_NAME ? `${feature.slice(0, MAX_REPORTED_NAME)}…` : feature;
    warn(`[@atom/flags] unknown governance feature ${JSON.stringify(name)}: governance is enforced`);
  };
  const bypassActive = (feature?: string): boolean => bypass.apply(raw.evaluate(BYPASS), feature).value === true;

  const enabled = (feature: string): boolean => {
    if (!known.has(feature)) {
      warnUnknown(feature);
      return true;
    }
    return raw.get(feature) === true;
  };

  return {
    flags,
    governanceFlag,
    isGovernanceEnabled: enabled,
    isEmergencyBypassActive: () => bypassActive(),
    shouldEnforceGovernance: (feature) => !bypassActive(feature) && enabled(feature),
  };
}
