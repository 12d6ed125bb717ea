import type { Clock } from "./types.js";

/** An execution whose lease the keeper renews. @internal */
export interface LeasedRun {
  /** Renews this run's lease once (a store write); a lost lease stops the run. */
  renew(): void;
  /** Where the keeper holds this run, -1 when it does not: kept by the keeper. */
  keeperSlot: number;
}

/**
 * Renews the leases of every executing run of one engine on a single timer, rather than one timer per run: a run
 * joins and leaves in O(1) through its slot in an array (a `Set` shrinks its table in a runtime call each time its
 * last run leaves, which is every run of a sequential workload). The timer is left to lapse at its next tick once no run is left (a
 * workload of short sequential runs arms it once per interval, not once per run), and is unref'd so it never holds
 * the process open by itself.
 * @internal
 */
export class LeaseKeeper {
  private readonly runs: LeasedRun[] = [];
  private armed = false;

  constructor(
    private readonly clock: Clock,
    private readonly heartbeatMs: number,
  ) {}

  add(run: LeasedRun): void {
    if (run.keeperSlot >= 0) return;
    run.keeperSlot = this.runs.length;
    this.runs.push(run);
    if (!this.armed) this.arm();
  }

  delete(run: LeasedRun): void {
    const { runs } = this;
    const slot = run.keeperSlot;
    if (slot < 0 || runs[slot] !== run) return;
    const last = runs.pop() as LeasedRun;
    if (last !== run) {
      runs[slot] = last;
      last.keeperSlot = slot;
    }
    run.keeperSlot = -1;
  }

  private arm(): void {
    this.armed = true;
    const handle = this.clock.setTimeout(this.tick, this.heartbeatMs);
    (handle as { unref?: () => void } | null)?.unref?.();
  }

  private readonly tick = (): void => {
    this.armed = false;
    if (this.runs.length === 0) return;
    // A copy: a renewal may end its run (lease lost), which moves the others' slots.
    for (const run of this.runs.slice()) run.renew();
    if (!this.armed) this.arm();
  };
}
