/**
 * `@atom/oauth-store/testing`: the conformance kit every `OAuthStoreAdapter` must pass, as vitest tests.
 * Requires `vitest` (an optional peer dependency).
 *
 * @example
 * ```ts
 * import { memoryAdapter } from "@atom/oauth-store";
 * import { runOAuthStoreConformance } from "@atom/oauth-store/testing";
 *
 * runOAuthStoreConformance({ name: "memory", create: () => memoryAdapter() });
 * ```
 * @packageDocumentation
 */
export { createTestClock, type TestClock } from "./clock.js";
export { runOAuthStoreConformance, type OAuthStoreConformanceOptions } from "./conformance.js";
