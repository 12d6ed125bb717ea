/**
 * Runs `fn` and rejects with `onTimeout()` when it has not settled within `ms`. Synchronous throws become rejections.
 * @internal
 */
export function withTimeout<T>(fn: () => Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    const settle = <A>(finish: (value: A) => void) => (value: A) => {
      clearTimeout(timer);
      finish(value);
    };
    Promise.resolve()
      .then(fn)
      .then(settle(resolve), settle(reject));
  });
}
