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

const optionsSchema = z.object({
  features: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/i, "feature names are letters, digits and _")).min(1),
});

/** `browser` → `BROWSER_GOVERNANCE_ENABLED`. */
export function governanceFlag(feature: string): string {
  return `${feature.toUpperCase()}_GOVERNANCE_ENABLED`;
}

/**
 * The seed's `FeatureFlags`, done right: one toggle per feature (default on), an emergency bypass (default off) that
 * is audited on every evaluation and can expire by itself, strict parsing at startup, and fail-closed for unknown
 * features.
 *
 * @example
 * ```ts
 * const governance = createGovernanceFlags({ features: ["browser", "canvas"], onAudit: (e) => auditLog.write(e) });
 * if (governance.shouldEnforceGovernance("browser")) await checkAgent();
 * ```
 * @throws FlagsConfigError for a bad value, e.g. `EMERGENCY_GOVERNANCE_BYPASS=sometimes` or an unparsable expiry
 */
export function createGovernanceFlags(options: GovernanceFlagsOptions): GovernanceFlags {
  const { features } = parseInput(optionsSchema, options, "[@atom/flags] createGovernanceFlags");
  const definitions: Record<string, FlagDefinition<boolean> | FlagDefinition<string>> = {};
  for (const feature of features) {
    definitions[feature] = flag.boolean({
      default: true,
      env: governanceFlag(feature),
      description: `Governance checks for ${feature} actions`,
    });
  }
  definitions[BYPASS] = flag.boolean({ default: false, description: "Emergency: skip every governance check (audited)" });
  definitions[BYPASS_UNTIL] = flag.string({ default: "", description: "ISO time after which the emergency bypass turns off" });
  const flags = defineFlags(definitions, options);
  const until = flags.get(BYPASS_UNTIL) as string;
  const expiresAt = until === "" ? undefined : new Date(until);
  if (expiresAt !== undefined && Number.isNaN(expiresAt.getTime())) {
    throw new FlagsConfigError({ flag: BYPASS_UNTIL, variable: BYPASS_UNTIL, value: until, expected: "ISO-8601 time" });
  }
  const clock = options.clock ?? (() => new Date());
  const audit = options.onAudit ?? ((event: FlagAuditEvent) => console.warn("[@atom/flags] EMERGENCY GOVERNANCE BYPASS ACTIVE", event));
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const known = new Set(features);
  const warned = new Set<string>();

  const bypassActive = (feature?: string): boolean => {
    const { value, source } = flags.evaluate(BYPASS);
    if (value !== true) return false;
    const time = clock();
    if (expiresAt !== undefined && time.getTime() >= expiresAt.getTime()) return false;
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
