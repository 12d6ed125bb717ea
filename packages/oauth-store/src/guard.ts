import { DatabaseError, isAtomError } from "@atom/errors";
import type { OAuthStoreAdapter } from "./types.js";

/**
 * Wraps every adapter method so a driver error (a lost connection, a constraint) leaves the store as a
 * `DATABASE_ERROR` naming the adapter and method, with the driver error kept as `cause` and never in the message.
 * @internal
 */
export function guardAdapter(adapter: OAuthStoreAdapter): OAuthStoreAdapter {
  return new Proxy(adapter, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (isAtomError(error)) throw error;
          throw new DatabaseError({ message: `[@atom/oauth-store] [${target.name}] ${String(prop)} failed`, cause: error });
        }
      };
    },
  });
}
