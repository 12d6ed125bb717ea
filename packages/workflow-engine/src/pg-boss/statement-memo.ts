/**
 * The statement texts a worker derives from others (pg-boss's, each batch), remembered so that the same inputs give
 * the very same string object. A prepared statement is looked up by its text (`@atom/sql` hashes it; pg compares
 * it with the one it parsed): V8 keeps a string's hash on the string, so a text built anew each batch was hashed
 * and compared in full each batch, several kilobytes for a settle with pg-boss's insert folded in. Inputs are
 * compared with `===`, which is a pointer check for the same string and a plain comparison otherwise, never a
 * hash. A few entries (the statements a worker uses are a handful); the oldest goes first.
 * @internal
 */
export class StatementMemo<Key extends readonly unknown[], Value = string> {
  private readonly entries: { key: Key; value: Value }[] = [];

  constructor(private readonly size = 8) {}

  /** The text (or what holds it) for `key`, made by `make` the first time (or after it was forgotten). */
  get(key: Key, make: () => Value): Value {
    for (const entry of this.entries) if (sameKey(entry.key, key)) return entry.value;
    const value = make();
    if (this.entries.length >= this.size) this.entries.shift();
    this.entries.push({ key, value });
    return value;
  }
}

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
