import { AsyncLocalStorage } from "node:async_hooks";
import { ValidationError } from "@atom/errors";
import { FlagsConfigError } from "./errors.js";
import type { FlagDefinition, FlagValue } from "./flag.js";
import { rolloutBucket } from "./hash.js";

/** Any set of flag definitions, keyed by flag name. */
export type FlagDefinitions = Record<string, FlagDefinition<any>>;

/** Where a flag's value came from. */
export type FlagSource = "override" | `provider:${string}` | "env" | "default";

/** Who a flag is evaluated for: the targeting key places them in rollouts and allow/deny lists. */
export interface EvaluationContext {
  /** Who the flag is evaluated for (a user or tenant id); rollouts and allow/deny lists key on it. */
  targetingKey?: string;
  /** Other facts about the caller, passed to custom providers. */
  attributes?: Record<string, unknown>;
}

/**
 * A source of flag values between overrides and the environment (a remote config, an OpenFeature client...).
 * `get` is synchronous so that reads stay fast: providers keep their values in memory and refresh them on their own.
 */
export interface FlagProvider {
  /** Shown as `provider:<name>` in snapshots and audit events. */
  readonly name: string;
  /** The value for a flag, or `undefined` to defer to the next source. Strings are parsed like env values. */
  get(key: string, definition: FlagDefinition<unknown>): unknown;
  /** Calls `listener` with the keys whose values may have changed; returns an unsubscribe function. */
  subscribe?(listener: (keys: readonly string[]) => void): () => void;
}

/** Options of {@link defineFlags}. */
export interface DefineFlagsOptions {
  /** The environment to read. @default process.env */
  env?: Record<string, string | undefined>;
  /** Providers, consulted in order after overrides and before the environment. */
  providers?: readonly FlagProvider[];
  /** Called with problems that do not stop the process (a provider returned an invalid value). @default console.warn */
  onWarning?: (message: string) => void;
}

/** A value and where it came from. */
export interface FlagEvaluation<T> {
  /** The flag's value. */
  value: T;
  /** Where the value came from: override, provider, env, rule or default. */
  source: FlagSource;
}

/** One row of {@link Flags.snapshot}. */
export interface FlagSnapshotEntry {
  /** The flag's key. */
  key: string;
  /** Its current value. */
  value: unknown;
  /** Where the value came from. */
  source: FlagSource;
  /** The environment variable it reads. */
  env: string;
  /** Its description, if defined. */
  description: string | undefined;
}

/** Values to override, by flag key, typed by the definitions. */
export type FlagOverrides<D extends FlagDefinitions> = { [K in keyof D]?: FlagValue<D[K]> };

/** The typed flags made by {@link defineFlags}. */
export interface Flags<D extends FlagDefinitions> {
  /**
   * The flag's value. With a context, a boolean flag's rollout and allow/deny rules apply.
   * @throws {ValidationError} (`field: "key"`) for a key that is not a defined flag, `constructor` and other
   * `Object.prototype` names included (likewise `evaluate` and `onChange`)
   */
  get<K extends keyof D & string>(key: K, context?: EvaluationContext): FlagValue<D[K]>;
  /** The flag's value and its source. */
  evaluate<K extends keyof D & string>(key: K, context?: EvaluationContext): FlagEvaluation<FlagValue<D[K]>>;
  /**
   * Runs `fn` with some flags overridden, for its whole async call tree only (AsyncLocalStorage): concurrent
   * requests and tests never see each other's overrides. Nested calls merge, inner wins.
   * @throws {ValidationError} when a key is unknown or a value has the wrong type
   */
  override<R>(values: FlagOverrides<D>, fn: () => R): R;
  /** Every flag with its current value and source (for an admin endpoint). */
  snapshot(): FlagSnapshotEntry[];
  /** Calls `listener` when a provider reports a change that alters the flag's value; returns an unsubscribe function. */
  onChange<K extends keyof D & string>(key: K, listener: (value: FlagValue<D[K]>, previous: FlagValue<D[K]>) => void): () => void;
  /** The definitions, as given. */
  readonly definitions: D;
}

/**
 * Defines typed, centralized flags. Every environment variable is read and parsed now: a bad value such as
 * `BROWSER_GOVERNANCE_ENABLED=maybe` throws {@link FlagsConfigError} at startup instead of silently reading as `false`.
 *
 * Sources, first match wins: scoped overrides → providers (in order) → environment → default.
 *
 * @throws FlagsConfigError naming the variable and the bad value
 * @example
 * ```ts
 * const flags = defineFlags({
 *   BROWSER_GOVERNANCE_ENABLED: flag.boolean({ default: true }),
 *   newCheckout: flag.boolean({ default: false, env: "NEW_CHECKOUT", rules: { percentage: 25 } }),
 * });
 * flags.get("BROWSER_GOVERNANCE_ENABLED"); // boolean
 * flags.get("newCheckout", { targetingKey: user.id }); // same answer for the same user, 25% of users
 * ```
 */
export function defineFlags<const D extends FlagDefinitions>(definitions: D, options: DefineFlagsOptions = {}): Flags<D> {
  const env = options.env ?? process.env;
  const providers = options.providers ?? [];
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const scope = new AsyncLocalStorage<Record<string, unknown>>();
  const base = new Map<string, FlagEvaluation<unknown>>();
  const keys = Object.keys(definitions);

  for (const key of keys) {
    const definition = definitions[key] as FlagDefinition<unknown>;
    const variable = definition.env ?? key;
    const raw = env[variable];
    if (raw === undefined || raw === "") {
      base.set(key, { value: definition.default, source: "default" });
      continue;
    }
    const value = definition.parse(raw);
    if (value === undefined) {
      throw new FlagsConfigError({ flag: key, variable, value: raw, expected: definition.expected });
    }
    base.set(key, { value, source: "env" });
  }

  const fromProviders = (key: string, definition: FlagDefinition<unknown>): FlagEvaluation<unknown> | undefined => {
    for (const provider of providers) {
      let value = provider.get(key, definition);
      if (value === undefined) continue;
      if (typeof value === "string" && definition.kind !== "string" && definition.kind !== "enum") value = definition.parse(value);
      if (!definition.accepts(value)) {
        warn(`[@atom/flags] provider "${provider.name}" returned an invalid value for ${key}; expected ${definition.expected}`);
        continue;
      }
      return { value, source: `provider:${provider.name}` };
    }
    return undefined;
  };

  // Own properties only: `constructor`, `__proto__` and other Object.prototype members are not flags.
  const definitionOf = (key: string): FlagDefinition<unknown> | undefined =>
    Object.hasOwn(definitions, key) ? (definitions[key] as FlagDefinition<unknown>) : undefined;

  const resolve = (key: string): FlagEvaluation<unknown> => {
    const definition = definitionOf(key);
    if (definition === undefined) throw new ValidationError({ field: "key", message: `[@atom/flags] unknown flag "${key}"` });
    const overrides = scope.getStore();
    if (overrides !== undefined && Object.hasOwn(overrides, key)) return { value: overrides[key], source: "override" };
    if (providers.length > 0) {
      const provided = fromProviders(key, definition);
      if (provided) return provided;
    }
    return base.get(key) as FlagEvaluation<unknown>;
  };

  const applyRules = (key: string, value: unknown, context: EvaluationContext | undefined): unknown => {
    const rules = (definitions[key] as FlagDefinition<unknown>).rules;
    if (rules === undefined || context === undefined || value !== true) return value;
    const target = context.targetingKey;
    if (target !== undefined && rules.deny?.includes(target)) return false;
    if (target !== undefined && rules.allow?.includes(target)) return true;
    const percentage = rules.percentage ?? 100;
    if (percentage >= 100) return true;
    if (target === undefined) return false;
    return rolloutBucket(key, target) < percentage * 100;
  };

  const evaluate = (key: string, context?: EvaluationContext): FlagEvaluation<unknown> => {
    const resolved = resolve(key);
    if (context === undefined) return resolved;
    return { value: applyRules(key, resolved.value, context), source: resolved.source };
  };

  const listeners = new Map<string, Set<(value: unknown, previous: unknown) => void>>();
  const lastSeen = new Map<string, unknown>();
  for (const provider of providers) {
    provider.subscribe?.((changed) => {
      for (const key of changed) {
        const set = listeners.get(key);
        if (!set || !Object.hasOwn(definitions, key)) continue;
        const previous = lastSeen.get(key);
        const next = scope.exit(() => resolve(key).value);
        if (Object.is(previous, next) || JSON.stringify(previous) === JSON.stringify(next)) continue;
        lastSeen.set(key, next);
        for (const listener of set) listener(next, previous);
      }
    });
  }

  return {
    definitions,
    get: ((key: string, context?: EvaluationContext) => {
      const resolved = resolve(key);
      return context === undefined ? resolved.value : applyRules(key, resolved.value, context);
    }) as Flags<D>["get"],
    evaluate: evaluate as Flags<D>["evaluate"],
    override(values, fn) {
      for (const [key, value] of Object.entries(values)) {
        const definition = definitionOf(key);
        if (definition === undefined) {
          throw new ValidationError({ field: key, message: `[@atom/flags] override: unknown flag "${key}"` });
        }
        if (!definition.accepts(value)) {
          throw new ValidationError({ field: key, message: `[@atom/flags] override: ${key} must be a ${definition.expected}` });
        }
      }
      return scope.run({ ...scope.getStore(), ...values }, fn);
    },
    snapshot() {
      return keys.map((key) => {
        const definition = definitions[key] as FlagDefinition<unknown>;
        const { value, source } = resolve(key);
        return { key, value, source, env: definition.env ?? key, description: definition.description };
      });
    },
    onChange(key, listener) {
      if (!listeners.has(key)) {
        listeners.set(key, new Set());
        lastSeen.set(key, scope.exit(() => resolve(key).value));
      }
      const set = listeners.get(key) as Set<(value: unknown, previous: unknown) => void>;
      set.add(listener as (value: unknown, previous: unknown) => void);
      return () => set.delete(listener as (value: unknown, previous: unknown) => void);
    },
  };
}
