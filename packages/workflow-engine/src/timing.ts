import { MAX_TIMER_MS } from "./duration.js";
import type { Clock, RetryPolicy } from "./types.js";

/** The process clock and timers (replaced by vitest fake timers in tests). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};


/** A timer that may outlast {@link MAX_TIMER_MS}: a chain of shorter timers. @internal */
export interface LongTimer {
  handle: unknown;
}

/**
 * Calls `fn` after `ms` on `clock`, splitting waits longer than 2^31-1 ms into a chain of timers so none is clamped.
 * @internal
 */
export function setLongTimeout(clock: Clock, fn: () => void, ms: number): LongTimer {
  if (ms <= MAX_TIMER_MS) return { handle: clock.setTimeout(fn, ms) };
  const timer: LongTimer = { handle: undefined };
  const due = clock.now() + ms;
  const arm = (left: number) => {
    timer.handle =
      left > MAX_TIMER_MS
        ? clock.setTimeout(() => arm(Math.max(0, due - clock.now())), MAX_TIMER_MS)
        : clock.setTimeout(fn, left);
  };
  arm(ms);
  return timer;
}

/** Cancels a {@link setLongTimeout}. @internal */
export function clearLongTimeout(clock: Clock, timer: LongTimer): void {
  clock.clearTimeout(timer.handle);
}

/**
 * Waits `ms` on `clock`, rejecting with the signal's reason as soon as it aborts.
 * @internal
 */
export function sleep(ms: number, signal: AbortSignal, clock: Clock): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearLongTimeout(clock, timer);
      reject(signal.reason);
    };
    const timer = setLongTimeout(
      clock,
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      ms,
    );
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Delay before attempt `attempt + 1`: `initialDelayMs * factor^(attempt-1)` capped at `maxDelayMs`, with full jitter;
 * a server's `Retry-After` wins when larger (still capped).
 * @internal
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const max = policy.maxDelayMs ?? 30_000;
  const base = Math.min(max, (policy.initialDelayMs ?? 200) * (policy.factor ?? 2) ** (attempt - 1));
  const delay = (policy.jitter ?? "full") === "full" ? Math.floor(random() * base) : base;
  return retryAfterMs === undefined ? delay : Math.min(max, Math.max(delay, retryAfterMs));
}

// The last timestamp formatted, and the ISO text of its second ("2026-11-25T07:45:12."), shared by every run: nodes
// settling in the same millisecond share one string, and a new millisecond costs a concatenation, not a Date.
let isoMs = Number.NaN;
let isoText = "";
let isoSecond = Number.NaN;
let isoPrefix = "";

/**
 * `new Date(ms).toISOString()`, formatting the date part once per second.
 * @internal
 */
export function isoTime(ms: number): string {
  if (ms === isoMs) return isoText;
  const whole = Math.trunc(ms);
  const second = Math.floor(whole / 1000);
  if (second !== isoSecond) {
    isoPrefix = new Date(second * 1000).toISOString().slice(0, -4);
    isoSecond = second;
  }
  const milli = whole - second * 1000;
  isoMs = ms;
  isoText = `${isoPrefix}${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
  return isoText;
}
