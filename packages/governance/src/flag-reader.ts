import type { AtomError } from "@atom/errors";
import { GovernanceFlagInvalidError } from "./errors.js";
import { withTimeout } from "./timeout.js";
import type { GovernanceFlagsReader, GovernanceMode } from "./types.js";

/** A flag reading that could not stay synchronous: the mode, and what went wrong when it fell back. @internal */
export interface FlagReading {
  /** The mode the check runs in (`enforced` whenever a reader misbehaved). */
  mode: GovernanceMode;
  /** Why the reading fell back to `enforced`. */
  problem?: AtomError;
}

type Reader = "isEmergencyBypassActive" | "shouldEnforceGovernance";

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === "object" || typeof value === "function") &&
  value !== null &&
  typeof (value as { then?: unknown }).then === "function";

/**
 * Reads the flags for one feature under the exact-boolean contract: only `true` or `false` (returned, or resolved
 * within `timeoutMs`) changes the decision; anything else, a throw, a rejection or a timeout enforces, with a
 * `GOVERNANCE_FLAG_INVALID` problem. Synchronous readers that return booleans stay synchronous (no promise).
 * @internal
 */
export function createFlagReader(
  flags: GovernanceFlagsReader | undefined,
  timeoutMs: number,
): (feature: string) => GovernanceMode | Promise<FlagReading> {
  if (flags === undefined) return () => "enforced";
  const invalid = (reader: Reader, cause?: unknown): FlagReading => ({
    mode: "enforced",
    problem: new GovernanceFlagInvalidError({ reader }, cause === undefined ? {} : { cause }),
  });
  const settle = async (reader: Reader, pending: PromiseLike<unknown>): Promise<boolean | FlagReading> => {
    try {
      const value = await withTimeout(() => Promise.resolve(pending), timeoutMs, () => new Error(`${reader} timed out`));
      return value === true || value === false ? value : invalid(reader);
    } catch (error) {
      return invalid(reader, error);
    }
  };
  const call = (reader: Reader, feature: string): unknown => {
    try {
      return reader === "isEmergencyBypassActive" ? flags.isEmergencyBypassActive() : flags.shouldEnforceGovernance(feature);
    } catch (error) {
      return new Thrown(error);
    }
  };
  /** What a non-boolean, synchronous answer means: a misconfiguration (`Thrown` keeps the reader's error). */
  const rejectValue = (reader: Reader, value: unknown): Promise<FlagReading> =>
    Promise.resolve(invalid(reader, value instanceof Thrown ? value.error : undefined));
  const enforcement = (value: unknown): GovernanceMode | Promise<FlagReading> => {
    if (value === true) return "enforced";
    if (value === false) return "governance_disabled";
    if (!isThenable(value)) return rejectValue("shouldEnforceGovernance", value);
    return settle("shouldEnforceGovernance", value).then((v) =>
      typeof v === "boolean" ? { mode: v ? "enforced" : "governance_disabled" } : v,
    );
  };
  const afterBypass = (value: unknown, feature: string): GovernanceMode | Promise<FlagReading> => {
    if (value === true) return "emergency_bypass";
    if (value === false) return enforcement(call("shouldEnforceGovernance", feature));
    if (!isThenable(value)) return rejectValue("isEmergencyBypassActive", value);
    return settle("isEmergencyBypassActive", value).then(async (v) => {
      if (typeof v !== "boolean") return v;
      const mode = await afterBypass(v, feature);
      return typeof mode === "string" ? { mode } : mode;
    });
  };
  return (feature) => afterBypass(call("isEmergencyBypassActive", feature), feature);
}

/** A reader's synchronous throw, told apart from anything a reader could return. */
class Thrown {
  constructor(readonly error: unknown) {}
}
