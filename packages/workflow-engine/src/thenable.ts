/**
 * True for a promise or any object with a `then` method: what a store or node returned asynchronously.
 * @internal
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
