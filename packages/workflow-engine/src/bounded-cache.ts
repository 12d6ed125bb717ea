/**
 * A memo of at most `size` entries, for values worth computing once that user input keys (compiled patterns and
 * template paths): when it is full, the oldest entry makes room, so no stream of distinct keys grows it.
 * @internal
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly size: number) {}

  /** The value remembered for `key`, or `make()`'s, remembered (a `make` that throws remembers nothing). */
  get(key: string, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
    return value;
  }

  /** How many entries it holds. */
  get count(): number {
    return this.entries.size;
  }
}
