import type { z } from "zod";
import { parseBoolean, parseNumber } from "./parse.js";

/** Targeting rules of a boolean flag, applied when `get` is given an evaluation context. */
export interface FlagRules {
  /** Share of targeting keys (0–100) that get the flag's value; the others get `false`. @default 100 */
  percentage?: number;
  /** Targeting keys that always get the flag's value. */
  allow?: readonly string[];
  /** Targeting keys that always get `false` (deny wins over allow). */
  deny?: readonly string[];
}

/** A flag's definition, made by one of the {@link flag} builders. */
export interface FlagDefinition<T> {
  /** The builder used: `boolean`, `number`, `string`, `enum` or `json`. */
  readonly kind: "boolean" | "number" | "string" | "enum" | "json";
  /** The value when no source sets one. */
  readonly default: T;
  /** The environment variable read for this flag. @default the flag's key */
  readonly env: string | undefined;
  /** What the flag is for (shown in snapshots). */
  readonly description: string | undefined;
  /** Rollout and allow/deny rules, if any. */
  readonly rules: FlagRules | undefined;
  /** Parses an environment (or provider) string; `undefined` when it is not valid. */
  parse(raw: string): T | undefined;
  /** Checks a value from a provider or an override. */
  accepts(value: unknown): value is T;
  /** What a valid value looks like, for error messages. */
  readonly expected: string;
}

/** Options every builder accepts. */
export interface FlagOptions<T> {
  /** The value when no source sets one. */
  default: T;
  /** The environment variable to read. @default the flag's key */
  env?: string;
  /** What the flag does, shown by `snapshot()` and admin endpoints. */
  description?: string;
}

/** The value type of a flag definition. */
export type FlagValue<D> = D extends FlagDefinition<infer T> ? T : never;

function make<T>(
  kind: FlagDefinition<T>["kind"],
  options: FlagOptions<T> & { rules?: FlagRules },
  parse: (raw: string) => T | undefined,
  accepts: (value: unknown) => value is T,
  expected: string,
): FlagDefinition<T> {
  return {
    kind,
    default: options.default,
    env: options.env,
    description: options.description,
    rules: options.rules,
    parse,
    accepts,
    expected,
  };
}

/**
 * Flag builders for {@link defineFlags}.
 * @example
 * ```ts
 * const flags = defineFlags({
 *   BROWSER_GOVERNANCE_ENABLED: flag.boolean({ default: true, description: "Gate browser actions" }),
 *   MAX_AGENTS: flag.number({ default: 10 }),
 *   REGION: flag.enum(["eu", "us"], { default: "eu" }),
 * });
 * ```
 */
export const flag = {
  /** A boolean, parsed strictly from `true/false/1/0/yes/no/on/off`; may carry rollout rules. */
  boolean(options: FlagOptions<boolean> & { rules?: FlagRules }): FlagDefinition<boolean> {
    return make("boolean", options, parseBoolean, (v): v is boolean => typeof v === "boolean", "boolean (true/false/1/0/yes/no/on/off)");
  },
  /** A finite number. */
  number(options: FlagOptions<number>): FlagDefinition<number> {
    return make("number", options, parseNumber, (v): v is number => typeof v === "number" && Number.isFinite(v), "finite number");
  },
  /** Any string. */
  string(options: FlagOptions<string>): FlagDefinition<string> {
    return make("string", options, (raw) => raw, (v): v is string => typeof v === "string", "string");
  },
  /** One of the given strings. */
  enum<const V extends readonly [string, ...string[]]>(values: V, options: FlagOptions<V[number]>): FlagDefinition<V[number]> {
    const allowed = new Set<string>(values);
    const accepts = (v: unknown): v is V[number] => typeof v === "string" && allowed.has(v);
    return make("enum", options, (raw) => (accepts(raw.trim()) ? raw.trim() : undefined), accepts, `one of ${values.join(", ")}`);
  },
  /** A JSON value validated by a zod schema. */
  json<S extends z.ZodType>(schema: S, options: FlagOptions<z.output<S>>): FlagDefinition<z.output<S>> {
    const accepts = (v: unknown): v is z.output<S> => schema.safeParse(v).success;
    const parse = (raw: string): z.output<S> | undefined => {
      try {
        const result = schema.safeParse(JSON.parse(raw));
        return result.success ? result.data : undefined;
      } catch {
        return undefined;
      }
    };
    return make("json", options, parse, accepts, "JSON matching the flag's schema");
  },
};
