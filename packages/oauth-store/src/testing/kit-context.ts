import { expect, vi } from "vitest";
import type { OAuthStore, OAuthStoreOptions, RefreshedTokens } from "../store-types.js";
import type { OAuthStoreAdapter } from "../types.js";
import type { TestClock } from "./clock.js";

/** What each group of conformance cases reads from the running kit (fresh per test). @internal */
export interface KitContext {
  /** The adapter under test, created for the current test. */
  adapter(): OAuthStoreAdapter;
  /** A store on the adapter under test, on the kit's clock. */
  store(extra?: Partial<OAuthStoreOptions>): OAuthStore;
  /** A user id no other test uses. */
  userId(): string;
  /** The kit's clock, reset to the start instant before each test. */
  clock: TestClock;
  /** The provider the cases use. */
  provider: string;
}

/**
 * Wraps an adapter so that each call of `method` runs `hook` after the adapter answered and before the caller sees
 * the answer: the window in which another process's write lands. Keeps `this` for class-based adapters. @internal
 */
export function afterCall<M extends keyof OAuthStoreAdapter>(
  adapter: OAuthStoreAdapter,
  method: M,
  hook: (result: unknown) => Promise<void>,
): OAuthStoreAdapter {
  return new Proxy(adapter, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        await hook(result);
        return result;
      };
    },
  });
}

/** Asserts that `promise` rejects with `code` (and `message` when given). @internal */
export async function expectCode(promise: Promise<unknown>, code: string, message?: string): Promise<void> {
  await expect(promise).rejects.toMatchObject(message === undefined ? { code } : { code, message });
}

/** A promise settled by hand. @internal */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Settles `promise` into a value to assert on later, so a rejection is never reported as unhandled meanwhile. @internal */
export function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return Promise.allSettled([promise]).then(([result]) => result as PromiseSettledResult<T>);
}

/**
 * Saves expired tokens (`at-1`, `rt-1`) for a new user and starts a refresh in store `a` that hangs in the provider
 * until the returned gate is settled; `b` is a second store on the same adapter (another process). @internal
 */
export async function refreshInFlight(k: KitContext, options: { a?: Partial<OAuthStoreOptions>; b?: Partial<OAuthStoreOptions> } = {}) {
  const a = k.store(options.a);
  const b = k.store(options.b);
  const userId = k.userId();
  await a.saveTokens({ userId, provider: k.provider, accessToken: "at-1", refreshToken: "rt-1", expiresIn: 0 });
  const gate = deferred<RefreshedTokens>();
  const refresh = vi.fn((_refreshToken: string) => gate.promise);
  const pending = settle(a.getValidAccessToken(userId, k.provider, { refresh }));
  await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1));
  return { a, b, userId, gate, refresh, pending };
}
