// Shared by the interleaved benches: on a shared machine a contender's position in a sequential run moves close
// figures by 2×, so contenders rotate every round and results are medians.

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Warms every contender up, then runs `rounds` rounds of `perRound` sequential calls each, rotating which contender
 * goes first. Returns µs per call for every round, by contender name.
 */
export async function sampleInterleaved(contenders, { rounds, perRound, warmup }) {
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) for (let i = 0; i < warmup; i++) await contenders[name]();
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const started = performance.now();
      for (let i = 0; i < perRound; i++) await contenders[name]();
      samples[name].push(((performance.now() - started) * 1000) / perRound);
    }
  }
  return samples;
}
