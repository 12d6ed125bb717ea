/**
 * `@atom/workflow-engine/http`: the pooled, SSRF-guarded HTTP client used by `http_request` and the built-in
 * actions, on undici. Hosts can share one instance with the engine.
 *
 * ```sh
 * npm install @atom/workflow-engine
 * ```
 *
 * @example
 * ```ts
 * import { createHttpClient } from "@atom/workflow-engine/http";
 * import { createWorkflowEngine } from "@atom/workflow-engine";
 *
 * const http = createHttpClient({ connections: 32, keepAliveTimeout: 10_000, allowH2: true });
 * const engine = createWorkflowEngine({ http });
 * ```
 * @packageDocumentation
 */
export { createHttpClient } from "./http/client.js";
export { blockedAddressReason } from "./http/address-policy.js";
export type { AbortEmitter, HttpClient, HttpClientOptions, HttpRequest, HttpResponse } from "./http/types.js";
