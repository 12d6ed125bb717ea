import { expect } from "vitest";
import type { OAuthStore, OAuthStoreOptions } from "../store-types.js";
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
