/**
 * OpenFeature interop for `@atom/flags` (peer: `@openfeature/server-sdk`):
 * - {@link AtomFlagsProvider}: read Atom flags through an OpenFeature client.
 * - {@link openFeatureSource}: use an OpenFeature client as an Atom flag provider.
 *
 * @example
 * ```ts
 * import { OpenFeature } from "@openfeature/server-sdk";
 * import { AtomFlagsProvider } from "@atom/flags/openfeature";
 *
 * await OpenFeature.setProviderAndWait(new AtomFlagsProvider(flags));
 * const enabled = await OpenFeature.getClient().getBooleanValue("BROWSER_GOVERNANCE_ENABLED", true);
 * ```
 * @packageDocumentation
 */
import {
  type Client,
  type EvaluationContext as OpenFeatureContext,
  ErrorCode,
  type JsonValue,
  type Provider,
  type ProviderMetadata,
  ProviderEvents,
  type ResolutionDetails,
} from "@openfeature/server-sdk";
import type { FlagDefinitions, FlagProvider, Flags } from "./define-flags.js";
import type { FlagDefinition } from "./flag.js";

type Kind = "boolean" | "string" | "number" | "object";

/** An OpenFeature provider that serves Atom flags (the targeting key and attributes reach the rollout rules). */
export class AtomFlagsProvider<D extends FlagDefinitions> implements Provider {
  /** OpenFeature's paradigm marker: a server-side provider. */
  readonly runsOn = "server";
  /** How OpenFeature names this provider. */
  readonly metadata: ProviderMetadata = { name: "@atom/flags" };

  /** @param flags the flags made by `defineFlags` */
  constructor(private readonly flags: Flags<D>) {}

  private resolve<T>(key: string, fallback: T, kind: Kind, context: OpenFeatureContext): Promise<ResolutionDetails<T>> {
    if (!Object.hasOwn(this.flags.definitions, key)) {
      return Promise.resolve({ value: fallback, reason: "ERROR", errorCode: ErrorCode.FLAG_NOT_FOUND });
    }
    const { targetingKey, ...attributes } = context;
    const { value, source } = this.flags.evaluate(key as keyof D & string, {
      ...(targetingKey === undefined ? {} : { targetingKey }),
      attributes,
    });
    const actual = typeof value === "object" && value !== null ? "object" : typeof value;
    if (actual !== kind) {
      return Promise.resolve({ value: fallback, reason: "ERROR", errorCode: ErrorCode.TYPE_MISMATCH });
    }
    return Promise.resolve({ value: value as T, reason: source === "default" ? "DEFAULT" : "STATIC", variant: source });
  }

  /** @inheritDoc */
  resolveBooleanEvaluation(key: string, fallback: boolean, context: OpenFeatureContext) {
    return this.resolve(key, fallback, "boolean", context);
  }
  /** @inheritDoc */
  resolveStringEvaluation(key: string, fallback: string, context: OpenFeatureContext) {
    return this.resolve(key, fallback, "string", context);
  }
  /** @inheritDoc */
  resolveNumberEvaluation(key: string, fallback: number, context: OpenFeatureContext) {
    return this.resolve(key, fallback, "number", context);
  }
  /** @inheritDoc */
  resolveObjectEvaluation<T extends JsonValue>(key: string, fallback: T, context: OpenFeatureContext) {
    return this.resolve(key, fallback, "object", context);
  }
}

async function read(client: Client, key: string, definition: FlagDefinition<unknown>): Promise<unknown> {
  switch (definition.kind) {
    case "boolean":
      return client.getBooleanValue(key, definition.default as boolean);
    case "number":
      return client.getNumberValue(key, definition.default as number);
    case "string":
    case "enum":
      return client.getStringValue(key, definition.default as string);
    case "json":
      return client.getObjectValue(key, definition.default as JsonValue);
  }
}

/** A flag provider backed by an OpenFeature client, made by {@link openFeatureSource}. */
export interface OpenFeatureSource extends FlagProvider {
  /** Re-reads every flag from the client. */
  refresh(): Promise<void>;
}

/**
 * Uses an OpenFeature client as an Atom flag source. Values are read now and again whenever the client's provider
 * reports a configuration change, so that `flags.get` stays synchronous; subscribers (`flags.onChange`) are told.
 *
 * @param definitions the same definitions you pass to `defineFlags`
 * @example
 * ```ts
 * const source = await openFeatureSource(OpenFeature.getClient(), definitions);
 * const flags = defineFlags(definitions, { providers: [source] });
 * ```
 */
export async function openFeatureSource(client: Client, definitions: FlagDefinitions): Promise<OpenFeatureSource> {
  const values = new Map<string, unknown>();
  const listeners = new Set<(keys: readonly string[]) => void>();
  const keys = Object.keys(definitions);
  const refresh = async (only: readonly string[] = keys) => {
    await Promise.all(
      only.filter((key) => Object.hasOwn(definitions, key)).map(async (key) => {
        values.set(key, await read(client, key, definitions[key] as FlagDefinition<unknown>));
      }),
    );
  };
  await refresh();
  client.addHandler(ProviderEvents.ConfigurationChanged, async (details) => {
    const changed = details?.flagsChanged ?? keys;
    await refresh(changed);
    for (const listener of listeners) listener(changed);
  });
  return {
    name: "openfeature",
    get: (key) => values.get(key),
    refresh: () => refresh(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
