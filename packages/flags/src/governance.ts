import { z } from "zod";
import { parseInput } from "@atom/errors";
import { type DefineFlagsOptions, defineFlags, type FlagSource, type Flags } from "./define-flags.js";
import { FlagsConfigError } from "./errors.js";
import { flag, type FlagDefinition } from "./flag.js";

/** What every governance gate needs from flags. `@atom/governance` accepts any object of this shape. */
export interface GovernanceFlagsReader {
  /** Whether governance is on for a feature. Unknown features are governed (fail closed). */
  isGovernanceEnabled(feature: string): boolean;
  /** Whether the emergency bypass is on (and not past its expiry). Every call while it is on is audited. */
  isEmergencyBypassActive(): boolean;
  /** `!isEmergencyBypassActive() && isGovernanceEnabled(feature)`. */
  shouldEnforceGovernance(feature: string): boolean;
}

/** An audit event, emitted on every evaluation while the emergency bypass is active. */
export interface FlagAuditEvent {
  /** The flag evaluated (e.g. `emergencyGovernanceBypass`). */
  flag: string;
  /** Its value. */
  value: unknown;
  /** Where the value came from. */
  source: FlagSource;
  /** When it was evaluated. */
  time: Date;
  /** The feature whose governance was being decided, when there is one. */
  feature?: string;
}

/** Options of {@link createGovernanceFlags}. */
export interface GovernanceFlagsOptions extends DefineFlagsOptions {
  /** Feature names (`browser`, `canvas`); each gets `<FEATURE>_GOVERNANCE_ENABLED`, default true. */
  features: readonly string[];
  /** Receives the bypass audit trail. @default logs each event with console.warn */
  onAudit?: (event: FlagAuditEvent) => void;
  /** Clock for the bypass expiry. @default () => new Date() */
  clock?: () => Date;
  /**
   * How far ahead `EMERGENCY_GOVERNANCE_BYPASS_UNTIL` may be, in ms, at most 7 days. A bypass switched on without an
   * expiry, or with one further ahead, is refused at startup (`FLAGS_CONFIG_ERROR`), and stays off when switched on
   * later (an override, a provider), with a warning. @default 86_400_000 (24 hours)
   */
  maxBypassMs?: number;
}

/** The governance flags: the reader plus the underlying typed flags. */
export interface GovernanceFlags extends GovernanceFlagsReader {
  /** The environment variable of a feature's toggle: `browser` → `BROWSER_GOVERNANCE_ENABLED`. */
  governanceFlag(feature: string): string;
  /** The underlying flags (`<feature>` keys, `EMERGENCY_GOVERNANCE_BYPASS`, `EMERGENCY_GOVERNANCE_BYPASS_UNTIL`). */
  readonly flags: Flags<Record<string, FlagDefinition<boolean> | FlagDefinition<string>>>;
}

const BYPASS = "EMERGENCY_GOVERNANCE_BYPASS";
const BYPASS_UNTIL = "EMERGENCY_GOVERNANCE_BYPASS_UNTIL";

const MAX_BYPASS_LIMIT_MS = 7 * 86_400_000;

const optionsSchema = z.object({
  features: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/i, "feature names are letters, digits and _")).min(1),
  maxBypassMs: z.number().int().positive().max(MAX_BYPASS_LIMIT_MS).optional(),
});

/** A full ISO-8601 date-time with seconds optional and a zone required: `2026-03-01T11:00:00Z`, `…+02:00`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The instant of an ISO-8601 expiry, or `undefined` for anything else (other formats, impossible dates). */
function isoInstant(value: string): number | undefined {
  if (!ISO_TIME.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

const hours = (ms: number) => `${Math.round((ms / 3_600_000) * 100) / 100} h`;

/** `browser` → `BROWSER_GOVERNANCE_ENABLED`. */
export function governanceFlag(feature: string): string {
  return `${feature.toUpperCase()}_GOVERNANCE_ENABLED`;
}

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
  const flags = defineFlags(definitions, options);
  const clock = options.clock ?? (() => new Date());
  const bound = `ISO-8601 time at most ${hours(maxBypassMs)} ahead`;
  const until = flags.get(BYPASS_UNTIL) as string;
  if (until !== "" && isoInstant(until) === undefined) {
    throw new FlagsConfigError({ flag: BYPASS_UNTIL, variable: BYPASS_UNTIL, value: until, expected: "ISO-8601 time" });
  }
  /** The bypass's expiry when it is a valid ISO time at most `maxBypassMs` ahead of `now`, else `undefined`. */
  const validExpiry = (value: unknown, now: number): number | undefined => {
    const time = typeof value === "string" ? isoInstant(value) : undefined;
    return time !== undefined && time - now <= maxBypassMs ? time : undefined;
  };
  if (flags.get(BYPASS) === true && validExpiry(until, clock().getTime()) === undefined) {
    throw new FlagsConfigError({
      flag: BYPASS_UNTIL,
      variable: BYPASS_UNTIL,
      value: until,
      expected: `${bound} (required while ${BYPASS} is on)`,
    });
  }
  const audit = options.onAudit ?? ((event: FlagAuditEvent) => console.warn("[@atom/flags] EMERGENCY GOVERNANCE BYPASS ACTIVE", event));
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const known = new Set(features);
  const warned = new Set<string>();

  let warnedExpiry = false;
  const bypassActive = (feature?: string): boolean => {
    const { value, source } = flags.evaluate(BYPASS);
    if (value !== true) return false;
    const time = clock();
    // Read afresh: an override or a provider may switch the bypass on later, and must bring its own expiry.
    const expiresAt = validExpiry(flags.get(BYPASS_UNTIL), time.getTime());
    if (expiresAt === undefined) {
      if (!warnedExpiry) {
        warnedExpiry = true;
        warn(`[@atom/flags] ${BYPASS} is on without a valid ${BYPASS_UNTIL} at most ${hours(maxBypassMs)} ahead: the bypass stays off`);
      }
      return false;
    }
    if (time.getTime() >= expiresAt) return false;
    audit({ flag: BYPASS, value, source, time, ...(feature === undefined ? {} : { feature }) });
    return true;
  };

  const enabled = (feature: string): boolean => {
    if (!known.has(feature)) {
      if (!warned.has(feature)) {
        warned.add(feature);
        warn(`[@atom/flags] unknown governance feature "${feature}": governance is enforced`);
      }
      return true;
    }
    return flags.get(feature) === true;
  };

  return {
    flags,
    governanceFlag,
    isGovernanceEnabled: enabled,
    isEmergencyBypassActive: () => bypassActive(),
    shouldEnforceGovernance: (feature) => !bypassActive(feature) && enabled(feature),
  };
}
