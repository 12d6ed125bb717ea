import { LedgerScopeClosedError } from "./errors.js";
import type { LedgerStorageTx } from "./types.js";

/** @internal The lifetime of the scope a `withTransaction` callback gets (see {@link scopeLifetime}). */
export interface ScopeLifetime {
  /** Runs one scope operation, refused (`LEDGER_SCOPE_CLOSED`) once the callback has returned or thrown. */
  operation<T>(work: () => Promise<T>): Promise<T>;
  /** `tx`, refusing every call once the transaction has settled (for what the scope hands out, such as a connection). */
  guard(tx: LedgerStorageTx): LedgerStorageTx;
  /** Called when the callback has returned or thrown: refuses new operations, waits for those still running. */
  settle(): Promise<void>;
}

/** Wraps every method of `target` (and of its `connection`) to throw while `closed()` says so. */
function refusing<T extends object>(target: T, closed: () => boolean): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (key === "connection" && typeof value === "object" && value !== null) return refusing(value, closed);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (closed()) return Promise.reject(new LedgerScopeClosedError());
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

/**
 * @internal A scope is usable while its callback runs. What the callback started and did not await still runs
 * inside the transaction: the transaction commits (or rolls back) only once those operations have settled, so none
 * of their statements lands after `COMMIT` or on a connection back in the pool. An operation started after the
 * callback returned is refused with `LEDGER_SCOPE_CLOSED`.
 */
export function scopeLifetime(): ScopeLifetime {
  let state: "open" | "settling" | "settled" = "open";
  const running = new Set<Promise<unknown>>();
  return {
    operation(work) {
      if (state !== "open") return Promise.reject(new LedgerScopeClosedError());
      const call = work();
      running.add(call);
      const forget = () => running.delete(call);
      call.then(forget, forget);
      return call;
    },
    guard: (tx) => refusing(tx, () => state === "settled"),
    async settle() {
      state = "settling";
      while (running.size > 0) await Promise.allSettled([...running]);
      state = "settled";
    },
  };
}
