/**
 * `@atom/flags`: typed, centralized feature flags from the environment and other sources, per-feature governance
 * toggles and an emergency bypass that is loud and audited.
 *
 * ```sh
 * npm install @atom/flags
 * ```
 *
 * @example
 * ```ts
 * import { createGovernanceFlags, defineFlags, flag } from "@atom/flags";
 *
 * const flags = defineFlags({ NEW_CHECKOUT: flag.boolean({ default: false, rules: { percentage: 25 } }) });
 * flags.get("NEW_CHECKOUT", { targetingKey: userId });
 *
 * const governance = createGovernanceFlags({ features: ["browser", "canvas"] });
 * governance.shouldEnforceGovernance("browser"); // true unless disabled or bypassed
 * ```
 * @packageDocumentation
 */
export { flag, type FlagDefinition, type FlagOptions, type FlagRules, type FlagValue } from "./flag.js";
export {
  defineFlags,
  type DefineFlagsOptions,
  type EvaluationContext,
  type FlagDefinitions,
  type FlagEvaluation,
  type FlagOverrides,
  type FlagProvider,
  type Flags,
  type FlagSnapshotEntry,
  type FlagSource,
} from "./define-flags.js";
export {
  createGovernanceFlags,
  governanceFlag,
  type FlagAuditEvent,
  type GovernanceFlags,
  type GovernanceFlagsOptions,
  type GovernanceFlagsReader,
} from "./governance.js";
export { FlagsConfigError } from "./errors.js";
export { parseBoolean, parseNumber } from "./parse.js";
export { fnv1a, rolloutBucket } from "./hash.js";
