import type { FlagEvaluation, Flags, FlagSource } from "./define-flags.js";
import type { FlagDefinition } from "./flag.js";

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

/** The flag that switches every governance check off. @internal */
export const BYPASS = "EMERGENCY_GOVERNANCE_BYPASS";
/** The flag holding the bypass's expiry. @internal */
export const BYPASS_UNTIL = "EMERGENCY_GOVERNANCE_BYPASS_UNTIL";

/** The governance flags' typed flags. @internal */
export type GovernanceFlagSet = Flags<Record<string, FlagDefinition<boolean> | FlagDefinition<string>>>;

/** A full ISO-8601 date-time with seconds optional and a zone required: `2026-03-01T11:00:00Z`, `…+02:00`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The instant of an ISO-8601 expiry, or `undefined` for anything else (other formats, impossible dates). @internal */
export function isoInstant(value: string): number | undefined {
  if (!ISO_TIME.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** `86_400_000` → `24 h`. @internal */
export const hours = (ms: number): string => `${Math.round((ms / 3_600_000) * 100) / 100} h`;

/** How many distinct expiry values the bypass remembers the first sighting of (oldest forgotten first). */
const FIRST_SEEN_LIMIT = 256;

/** What {@link createBypass} needs. @internal */
export interface BypassOptions {
  /** The governance flags, read raw. */
  flags: GovernanceFlagSet;
  /** The clock expiries are compared with. */
  clock: () => Date;
  /** How long after it was first seen an expiry may be. */
  maxBypassMs: number;
  /** The audit sink; a throw or a rejected promise refuses the bypass. */
  audit: (event: FlagAuditEvent) => unknown;
  /** Where refusals are reported. */
  warn: (message: string) => void;
}

/** The one place the emergency bypass is decided, for every read of it. @internal */
export interface Bypass {
  /** Whether an expiry value is valid now (an ISO time at most `maxBypassMs` after it was first seen). */
  expiryOf(value: unknown): number | undefined;
  /** Whether a raw evaluation of {@link BYPASS} is on with a valid, unexpired expiry (no audit; refusals warn). */
  valid(raw: FlagEvaluation<unknown>): boolean;
  /**
   * Applies the bypass to a raw evaluation of {@link BYPASS}: on only when {@link Bypass.valid} and its audit (which
   * this emits) succeeds. Everything else reads as `false`.
   */
  apply(raw: FlagEvaluation<unknown>, feature?: string): FlagEvaluation<unknown>;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

/**
 * The emergency bypass: an expiry bounded from when its value was first seen (so an expiry refused when the bypass
 * was switched on stays refused as time passes), and an audit that must succeed for the bypass to apply.
 * @internal
 */
export function createBypass({ flags, clock, maxBypassMs, audit, warn }: BypassOptions): Bypass {
  const firstSeen = new Map<string, number>();
  const sighting = (value: string, now: number): number => {
    const at = firstSeen.get(value);
    if (at !== undefined) return at;
    if (firstSeen.size >= FIRST_SEEN_LIMIT) firstSeen.delete(firstSeen.keys().next().value as string);
    firstSeen.set(value, now);
    return now;
  };
  const expiryOf = (value: unknown): number | undefined => {
    const time = typeof value === "string" ? isoInstant(value) : undefined;
    if (time === undefined) return undefined;
    const now = clock().getTime();
    const seenAt = sighting(value as string, now);
    return time - now <= maxBypassMs && time - seenAt <= maxBypassMs ? time : undefined;
  };
  // Time an expiry from when it appeared: at startup, and whenever a provider reports a new one.
  expiryOf(flags.get(BYPASS_UNTIL));
  flags.onChange(BYPASS_UNTIL, (value) => void expiryOf(value));

  const NONE = Symbol("none");
  let refused: unknown = NONE;
  const refuse = (value: unknown): void => {
    if (Object.is(refused, value)) return;
    refused = value;
    warn(`[@atom/flags] ${BYPASS} is on without a valid ${BYPASS_UNTIL} (an ISO-8601 time at most ${hours(maxBypassMs)} after it was first seen): the bypass stays off`);
  };

  // An async sink cannot answer before the bypass is decided: the bypass applies once one of its audits resolved,
  // and stops at the first rejection, until another resolves.
  let asyncSinkHealthy = false;
  let failing = false;
  const auditFailed = (): void => {
    if (failing) return;
    failing = true;
    try {
      warn("[@atom/flags] onAudit failed: the emergency bypass is refused until an audit succeeds");
    } catch {
      // A throwing onWarning must not turn a refused bypass into an unhandled rejection.
    }
  };
  const audited = (event: FlagAuditEvent): boolean => {
    let result: unknown;
    try {
      result = audit(event);
      if (!isThenable(result)) {
        failing = false;
        return true;
      }
    } catch {
      auditFailed();
      return false;
    }
    Promise.resolve(result).then(
      () => {
        asyncSinkHealthy = true;
        failing = false;
      },
      () => {
        asyncSinkHealthy = false;
        auditFailed();
      },
    );
    return asyncSinkHealthy;
  };

  const valid = (raw: FlagEvaluation<unknown>): boolean => {
    if (raw.value !== true) return false;
    // Read afresh: an override or a provider may switch the bypass on later, and must bring its own expiry.
    const until = flags.get(BYPASS_UNTIL);
    const expiresAt = expiryOf(until);
    if (expiresAt === undefined) {
      refuse(until);
      return false;
    }
    refused = NONE;
    return clock().getTime() < expiresAt;
  };

  return {
    expiryOf,
    valid,
    apply(raw, feature) {
      if (raw.value !== true) return raw;
      if (valid(raw) && audited({ flag: BYPASS, value: true, source: raw.source, time: clock(), ...(feature === undefined ? {} : { feature }) })) {
        return raw;
      }
      return { value: false, source: raw.source };
    },
  };
}

/**
 * The governance flags as users read them: every read of {@link BYPASS} (`get`, `evaluate`, `snapshot`, `onChange`,
 * and so an OpenFeature client over `AtomFlagsProvider`) goes through the bypass's expiry and audit. @internal
 */
export function withBypassReads(flags: GovernanceFlagSet, bypass: Bypass): GovernanceFlagSet {
  return {
    definitions: flags.definitions,
    get: ((key: string, context?: Parameters<GovernanceFlagSet["get"]>[1]) =>
      key === BYPASS ? bypass.apply(flags.evaluate(key, context)).value : flags.get(key, context)) as GovernanceFlagSet["get"],
    evaluate: ((key: string, context?: Parameters<GovernanceFlagSet["evaluate"]>[1]) =>
      key === BYPASS ? bypass.apply(flags.evaluate(key, context)) : flags.evaluate(key, context)) as GovernanceFlagSet["evaluate"],
    override: (values, fn) => flags.override(values, fn),
    snapshot: () =>
      flags.snapshot().map((entry) => (entry.key === BYPASS ? { ...entry, value: bypass.apply(entry).value } : entry)),
    onChange(key, listener) {
      if (key !== BYPASS) return flags.onChange(key, listener);
      // The bypass changes with its expiry too: listen to both, and report only changes of the value as it applies.
      let previous = bypass.valid(flags.evaluate(BYPASS));
      const update = () => {
        const next = bypass.apply(flags.evaluate(BYPASS)).value === true;
        if (next === previous) return;
        const before = previous;
        previous = next;
        (listener as (value: boolean, previous: boolean) => void)(next, before);
      };
      const offBypass = flags.onChange(BYPASS, update);
      const offUntil = flags.onChange(BYPASS_UNTIL, update);
      return () => {
        offBypass();
        offUntil();
      };
    },
  };
}
