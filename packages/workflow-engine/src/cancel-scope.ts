import { EventEmitter } from "node:events";
import type { AbortEmitter } from "./http/types.js";

class Emitter extends EventEmitter implements AbortEmitter {
  aborted = false;
  reason: unknown = undefined;
}

/**
 * One cancellable scope: a run, or one node attempt with a timeout. Cancellation is a flag plus a callback set; the
 * `AbortSignal` and the `EventEmitter` handed to nodes are only made when a node asks, because on Node 20 a listener
 * on a fresh `AbortSignal` costs microseconds (measured: about 25 µs per HTTP request through undici).
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
    const at = this.callbacks ? this.callbacks.lastIndexOf(callback) : -1;
    if (at >= 0) this.callbacks?.splice(at, 1);
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
