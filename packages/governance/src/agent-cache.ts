import type { AgentRecord } from "./types.js";

interface Entry {
  record: AgentRecord;
  /** With an injected clock: when the entry expires. Without one, a timer drops it and this is `Infinity`. */
  expiresAt: number;
  /** The timer that drops the entry (default clock only). */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Values derived from `record` (decisions), by complexity (an array index, 0–4) then action name, dropped with it. */
  derived: (Map<string, unknown> | undefined)[];
  /** How many values `derived` holds. */
  size: number;
}

/**
 * A TTL cache of agent records with single-flight loads: concurrent lookups of one uncached agent share one load.
 * Misses (unknown agents) and failures are never cached. With an injected clock, freshness is checked against it on
 * every lookup; without one, an unref'd timer per entry drops it when its TTL ends, so a lookup reads no clock (a
 * clock read costs more than the rest of a cached decision on some virtual machines).
 * @internal
 */
export class AgentCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<AgentRecord | null>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: (() => number) | undefined,
  ) {}

  /** The cached record when fresh, else `undefined`. */
  peek(agentId: string): AgentRecord | undefined {
    const entry = this.#entries.get(agentId);
    if (entry === undefined) return undefined;
    if (this.now === undefined || entry.expiresAt > this.now()) return entry.record;
    this.#drop(agentId);
    return undefined;
  }

  /** A value stored with {@link AgentCache.remember} for the agent's fresh entry, else `undefined`: one map lookup. */
  recallFresh(agentId: string, complexity: number, name: string): unknown {
    const entry = this.#entries.get(agentId);
    if (entry === undefined || (this.now !== undefined && entry.expiresAt <= this.now())) return undefined;
    return entry.derived[complexity]?.get(name);
  }

  /**
   * A value derived from `record` and stored with {@link AgentCache.remember} while `record` is the agent's cached
   * entry, else `undefined`. Split from `remember` so the hot path allocates no closure.
   */
  recall(agentId: string, record: AgentRecord, complexity: number, name: string): unknown {
    const entry = this.#entries.get(agentId);
    return entry?.record === record ? entry.derived[complexity]?.get(name) : undefined;
  }

  /** Stores a value derived from `record`, while `record` is the agent's cached entry (bounded: 256 per agent). */
  remember(agentId: string, record: AgentRecord, complexity: number, name: string, value: unknown): void {
    const entry = this.#entries.get(agentId);
    // Bounded: a route set has few distinct actions; past this, values are computed without being stored.
    if (entry?.record !== record || entry.size >= 256 || !(complexity >= 0 && complexity <= 4)) return;
    let byName = entry.derived[complexity];
    if (byName === undefined) entry.derived[complexity] = byName = new Map();
    byName.set(name, value);
    entry.size += 1;
  }

  /** Loads through `load`, sharing an in-flight load for the same agent. */
  load(agentId: string, load: () => Promise<AgentRecord | null>): Promise<AgentRecord | null> {
    const pending = this.#inflight.get(agentId);
    if (pending) return pending;
    /** Whether this load is still the agent's registered one: `invalidate` detaches it (nothing kept per agent). */
    const settle = (): boolean => {
      if (this.#inflight.get(agentId) !== promise) return false;
      this.#inflight.delete(agentId);
      return true;
    };
    const promise: Promise<AgentRecord | null> = load().then(
      (record) => {
        // An invalidate() during the load means the record may be stale: return it to this caller, do not cache it.
        if (settle() && record && this.ttlMs > 0) this.#store(agentId, record);
        return record;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
    this.#inflight.set(agentId, promise);
    return promise;
  }

  /** Drops the agent's entry (or every entry) and detaches in-flight loads from the cache. */
  invalidate(agentId?: string): void {
    if (agentId === undefined) {
      for (const entry of this.#entries.values()) clearTimeout(entry.timer);
      this.#entries.clear();
      this.#inflight.clear();
      return;
    }
    this.#drop(agentId);
    this.#inflight.delete(agentId);
  }

  #store(agentId: string, record: AgentRecord): void {
    this.#drop(agentId);
    const entry: Entry = { record, expiresAt: Infinity, timer: undefined, derived: [], size: 0 };
    if (this.now !== undefined) {
      entry.expiresAt = this.now() + this.ttlMs;
    } else {
      entry.timer = setTimeout(() => {
        if (this.#entries.get(agentId) === entry) this.#entries.delete(agentId);
      }, this.ttlMs);
      entry.timer.unref?.();
    }
    this.#entries.set(agentId, entry);
  }

  #drop(agentId: string): void {
    const entry = this.#entries.get(agentId);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.#entries.delete(agentId);
  }
}
