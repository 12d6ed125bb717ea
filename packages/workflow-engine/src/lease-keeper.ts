import type { Clock } from "./types.js";

/** An execution whose lease the keeper renews. @internal */
export interface LeasedRun {
  /** Renews this run's lease once (a store write); a lost lease stops the run. */
  renew(): void;
}

/**
 * Renews the leases of every executing run of one engine on a single timer, rather than one timer per run: a run
 * joins and leaves with a `Set` operation. The timer is left to lapse at its next tick once no run is left (a
 * workload of short sequential runs arms it once per interval, not once per run), and is unref'd so it never holds
 * the process open by itself.
 * @internal
 */
export class LeaseKeeper {
  private readonly runs = new Set<LeasedRun>();
  private armed = false;

  constructor(
    private readonly clock: Clock,
    private readonly heartbeatMs: number,
  ) {}

  add(run: LeasedRun): void {
    this.runs.add(run);
    if (!this.armed) this.arm();
  }

  delete(run: LeasedRun): void {
    this.runs.delete(run);
  }

  private arm(): void {
    this.armed = true;
    const handle = this.clock.setTimeout(this.tick, this.heartbeatMs);
    (handle as { unref?: () => void } | null)?.unref?.();
  }

  private readonly tick = (): void => {
    this.armed = false;
    if (this.runs.size === 0) return;
    for (const run of this.runs) run.renew();
    if (!this.armed) this.arm();
  };
}
