/**
 * 32-bit FNV-1a over the UTF-16 code units of `text`: fast, stable across processes and versions, and well
 * spread for short keys. Used to place a targeting key in a percentage rollout.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The bucket (0–9999) of a targeting key for a flag: the same pair always lands in the same bucket. */
export function rolloutBucket(flagKey: string, targetingKey: string): number {
  return fnv1a(`${flagKey}:${targetingKey}`) % 10_000;
}
