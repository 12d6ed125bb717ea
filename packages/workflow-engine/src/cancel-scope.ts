import { EventEmitter } from "node:events";
import type { AbortEmitter } from "./http/types.js";

class Emitter extends EventEmitter implements AbortEmitter {
  aborted = false;
  reason: unknown = undefined;
}

/**
 * One cancellable scope: a run, or one node attempt with a timeout. Cancellation is a flag plus a callback list; the
 * `AbortSignal` and the `EventEmitter` handed to nodes are only made when a node asks, because on Node 20 a fresh
 * `AbortSignal` as undici's `signal` costs 18–25 µs per request (`pnpm bench`).
 * @internal
 */
export class CancelScope {
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined;
  private emitter: Emitter | undefined;
  // An array, not a Set: a run usually has one or two waiters, and a Set costs ten times the memory.
  private callbacks: ((reason: unknown) => void)[] | undefined;

  /** An `AbortSignal` that aborts with this scope. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** An `EventEmitter` with `aborted`/`reason` that emits `"abort"` with this scope. */
  get abortEmitter(): AbortEmitter {
    if (!this.emitter) {
      this.emitter = new Emitter();
      // Every concurrent HTTP request of a run listens on the same emitter.
      this.emitter.setMaxListeners(0);
      this.emitter.aborted = this.aborted;
      this.emitter.reason = this.reason;
    }
    return this.emitter;
  }

  /** Calls `callback` once with the reason when the scope aborts, or now if it already has. */
  onAbort(callback: (reason: unknown) => void): void {
    if (this.aborted) callback(this.reason);
    else (this.callbacks ??= []).push(callback);
  }

  /** Removes a callback added with {@link CancelScope.onAbort}. */
  offAbort(callback: (reason: unknown) => void): void {
    const callbacks = this.callbacks;
    if (!callbacks) return;
    const at = callbacks.lastIndexOf(callback);
    if (at >= 0) callbacks.splice(at, 1);
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
    if (this.emitter) {
      this.emitter.aborted = true;
      this.emitter.reason = reason;
      this.emitter.emit("abort");
    }
    const callbacks = this.callbacks;
    this.callbacks = undefined;
    if (callbacks) for (const callback of callbacks) callback(reason);
  }
}
