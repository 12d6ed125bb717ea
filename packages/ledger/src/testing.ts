/**
 * The ledger storage conformance kit: registers the vitest tests a custom `LedgerStorage` must pass.
 *
 * @example
 * ```ts
 * import { runLedgerStorageConformance } from "@atom/ledger/testing";
 * runLedgerStorageConformance({ name: "my storage", create: () => myStorage() });
 * ```
 * @packageDocumentation
 */
export { runLedgerStorageConformance, type LedgerConformanceOptions } from "./testing/conformance.js";
