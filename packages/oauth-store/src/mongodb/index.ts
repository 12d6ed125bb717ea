/**
 * `@atom/oauth-store/mongodb`: the MongoDB adapter, on the official `mongodb` driver (v6 or v7).
 *
 * ```sh
 * npm install @atom/oauth-store mongodb
 * ```
 *
 * @example
 * ```ts
 * import { createOAuthStore } from "@atom/oauth-store";
 * import { mongodbAdapter } from "@atom/oauth-store/mongodb";
 *
 * const adapter = mongodbAdapter({ db: client.db("app") });
 * await adapter.ensureIndexes();
 * const store = createOAuthStore({ adapter });
 * ```
 * @packageDocumentation
 */
export { mongodbAdapter, type MongodbAdapterOptions, type MongodbOAuthStoreAdapter } from "./adapter.js";
