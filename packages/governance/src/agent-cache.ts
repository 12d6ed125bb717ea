import type { AgentRecord } from "./types.js";

interface Entry {
  record: AgentRecord;
  expiresAt: number;
  /** Values derived from `record` (decisions), by complexity then action name, dropped with it. */
  derived: Map<number, Map<string, unknown>>;
  /** How many values `derived` holds. */
  size: number;
}

/**
 * A TTL cache of agent records with single-flight loads: concurrent lookups of one uncached agent share one load.
 * Misses (unknown agents) and failures are never cached.
 * @internal
 */
export class AgentCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<AgentRecord | null>>();
  readonly #generation = new Map<string, number>();
  #epoch = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The cached record when fresh, else `undefined`. */
  peek(agentId: string): AgentRecord | undefined {
    const entry = this.#entries.get(agentId);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry.record;
    this.#entries.delete(agentId);
    return undefined;
  }

  /**
   * A value derived from `record`, memoized while `record` is the agent's cached entry; computed afresh otherwise
   * (cache disabled, expired, or a record handed to a caller after an invalidation).
   */
  memo<T>(agentId: string, record: AgentRecord, complexity: number, name: string, compute: () => T): T {
    const entry = this.#entries.get(agentId);
    if (entry?.record !== record) return compute();
    let byName = entry.derived.get(complexity);
    const known = byName?.get(name);
    if (known !== undefined) return known as T;
    const value = compute();
    // Bounded: a route set has few distinct actions; past this, compute without storing.
    if (entry.size >= 256) return value;
    if (byName === undefined) entry.derived.set(complexity, (byName = new Map()));
    byName.set(name, value);
    entry.size += 1;
    return value;
  }


  /** Loads through `load`, sharing an in-flight load for the same agent. */
  load(agentId: string, load: () => Promise<AgentRecord | null>): Promise<AgentRecord | null> {
    const pending = this.#inflight.get(agentId);
    if (pending) return pending;
    const version = this.#version(agentId);
    const settle = () => {
      if (this.#inflight.get(agentId) === promise) this.#inflight.delete(agentId);
    };
    const promise: Promise<AgentRecord | null> = load().then(
      (record) => {
        settle();
        // An invalidate() during the load means the record may be stale: return it to this caller, do not cache it.
        if (record && this.ttlMs > 0 && this.#version(agentId) === version) {
          this.#entries.set(agentId, { record, expiresAt: this.now() + this.ttlMs, derived: new Map(), size: 0 });
        }
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
      this.#epoch += 1;
      this.#generation.clear();
      this.#entries.clear();
      this.#inflight.clear();
      return;
    }
    this.#bump(agentId);
    this.#entries.delete(agentId);
    this.#inflight.delete(agentId);
  }

  #bump(agentId: string): void {
    this.#generation.set(agentId, (this.#generation.get(agentId) ?? 0) + 1);
  }

  #version(agentId: string): string {
    return `${this.#epoch}:${this.#generation.get(agentId) ?? 0}`;
  }
}
