import { createHash } from "node:crypto";

/**
 * The canonical hash of a workflow definition: SHA-256 of its JSON with every object's keys sorted, so the same
 * definition written with its keys in another order (or read back from the run store) hashes the same, while any
 * change of an id, a type, a config value, an edge or the order of an array gives another hash. The run store
 * records it at `startRun`; a worker compares it with its own definition's before running a node.
 * @internal
 */
export function definitionHash(definition: unknown): string {
  return createHash("sha256").update(JSON.stringify(definition, sortKeys)).digest("hex");
}

// Called by JSON.stringify after `toJSON`: a plain object is replaced by a copy whose keys are inserted sorted, so
// its enumeration order depends only on its key set (integer-like keys come first, in numeric order, either way).
function sortKeys(_key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
}
