import { DatabaseError, isAtomError } from "@atom/errors";
import { scrubError, secretsInArguments } from "./redaction.js";
import type { OAuthStoreAdapter } from "./types.js";

/**
 * Wraps every adapter method so a driver error (a lost connection, a constraint) leaves the store as a
 * `DATABASE_ERROR` naming the adapter and method. The driver error is kept as `cause` only as a scrubbed copy:
 * a Postgres error's `detail` ("Failing row contains (...)") or a MongoDB error's `errInfo` can hold the row's
 * tokens, so only its name, message and code survive, with the call's secrets and `redact` values cut out.
 * @internal
 */
export function guardAdapter(adapter: OAuthStoreAdapter, redact: readonly string[]): OAuthStoreAdapter {
  // One wrapper per method, made on first use: the store calls these on every operation.
  const wrappers = new Map<PropertyKey, { method: unknown; wrapper: unknown }>();
  return new Proxy(adapter, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const cached = wrappers.get(prop);
      if (cached?.method === value) return cached.wrapper;
      const wrapper = async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (isAtomError(error)) throw error;
          throw new DatabaseError({
            message: `[@atom/oauth-store] [${target.name}] ${String(prop)} failed`,
            cause: scrubError(error, [...secretsInArguments(args), ...redact]),
          });
        }
      };
      wrappers.set(prop, { method: value, wrapper });
      return wrapper;
    },
  });
}
