import type { AbortEmitter } from "./http/types.js";

/**
 * The scope as the `EventEmitter` form of signal undici accepts (`once`/`removeListener` of `"abort"`), kept on the
 * scope's callback list: no `EventEmitter`, no listener cap, and nothing for a node to abort the run with.
 */
class AbortView implements AbortEmitter {
  constructor(readonly scope: CancelScope) {}

  get aborted(): boolean {
    return this.scope.aborted;
  }

  get reason(): unknown {
    return this.scope.reason;
  }

  // Like an EventEmitter, a listener added after the abort is never called. The scope calls each listener once.
  on(event: "abort", listener: () => void): this {
    if (event === "abort" && !this.scope.aborted) this.scope.onAbort(listener);
    return this;
  }

  once(event: "abort", listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(event: "abort", listener: () => void): this {
    if (event === "abort") this.scope.offAbort(listener);
    return this;
  }
}

/**
 * One cancellable scope: a run, or one node attempt with a timeout. Cancellation is a flag plus a callback list; the
 * `AbortSignal` and the emitter view handed to nodes are only made when a node asks, because on Node 20 a fresh
 * `AbortSignal` as undici's `signal` costs 13–25 µs per request (`pnpm bench`).
 * @internal
 */
export class CancelScope {
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined;
  private view: AbortView | undefined;
  // An array, not a Set: a run usually has one or two waiters, and a Set costs ten times the memory. A child scope
  // is kept as itself rather than behind a forwarding closure.
  private callbacks: (((reason: unknown) => void) | CancelScope)[] | undefined;

  /** An `AbortSignal` that aborts with this scope. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** An {@link AbortEmitter} with `aborted`/`reason` whose `"abort"` listeners run when this scope aborts. */
  get abortEmitter(): AbortEmitter {
    return (this.view ??= new AbortView(this));
  }

  /** Calls `callback` once with the reason when the scope aborts, or now if it already has. */
  onAbort(callback: (reason: unknown) => void): void {
    if (this.aborted) callback(this.reason);
    else this.subscribe(callback);
  }

  /** Removes a callback added with {@link CancelScope.onAbort}. */
  offAbort(callback: (reason: unknown) => void): void {
    this.unsubscribe(callback);
  }

  /** Aborts `child` with this scope's reason when this scope aborts, or now if it already has. */
  link(child: CancelScope): void {
    if (this.aborted) child.abort(this.reason);
    else this.subscribe(child);
  }

  /** Undoes {@link CancelScope.link}. */
  unlink(child: CancelScope): void {
    this.unsubscribe(child);
  }

  private subscribe(entry: ((reason: unknown) => void) | CancelScope): void {
    // `[entry]` rather than pushing onto `[]`, whose first push reserves room for 17.
    if (this.callbacks) this.callbacks.push(entry);
    else this.callbacks = [entry];
  }

  private unsubscribe(entry: ((reason: unknown) => void) | CancelScope): void {
    const callbacks = this.callbacks;
    if (!callbacks) return;
    const at = callbacks.lastIndexOf(entry);
    if (at < 0) return;
    // Shifted by hand: `splice` allocates the array of what it removed.
    for (let i = at + 1; i < callbacks.length; i++) callbacks[i - 1] = callbacks[i] as (typeof callbacks)[number];
    callbacks.length--;
  }

  /**
   * Settles like `value`, or rejects with the reason as soon as the scope aborts, so a node that ignores its signal
   * cannot hold the run; one callback per waiter instead of an abort listener each.
   */
  race<T>(value: PromiseLike<T>): Promise<T> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      this.onAbort(reject);
      value.then(
        (result) => {
          this.offAbort(reject);
          resolve(result);
        },
        (error: unknown) => {
          this.offAbort(reject);
          reject(error);
        },
      );
    });
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const callbacks = this.callbacks;
    this.callbacks = undefined;
    if (callbacks) for (const callback of callbacks) {
      if (typeof callback === "function") callback(reason);
      else callback.abort(reason);
    }
  }
}

/**
 * The scope behind an emitter made by {@link CancelScope.abortEmitter}, so a scope can follow it by
 * {@link CancelScope.link} instead of an abort listener.
 * @internal
 */
export function scopeBehind(signal: unknown): CancelScope | undefined {
  return signal instanceof AbortView ? signal.scope : undefined;
}
