/** A clock tests move by hand. Pass `clock.now` as the store's `clock`. */
export interface TestClock {
  /** The current instant. */
  now(): Date;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to `date`. */
  set(date: Date): void;
}

/**
 * Creates a {@link TestClock}.
 * @param start the initial instant @default 2030-01-01T00:00:00Z
 * @example
 * ```ts
 * const clock = createTestClock();
 * const store = createOAuthStore({ clock: clock.now });
 * clock.advance(11 * 60_000);
 * ```
 */
export function createTestClock(start: Date = new Date("2030-01-01T00:00:00Z")): TestClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
    },
    set(date) {
      current = date.getTime();
    },
  };
}
