/**
 * The singleton key of a node job: the run, the node and the run's queue generation, encoded as a JSON array so
 * that distinct triples never share a key whatever the ids hold (`"t1"` + `"a:b"` and `"t1:a"` + `"b"` differ). The
 * `stately` queue keeps one queued job per key; the generation (bumped by each `resumeRun`) keeps a resumed run's
 * jobs apart from a job of an earlier generation that is still `active`.
 * @internal
 */
export function jobKey(runId: string, nodeId: string, generation: number): string {
  return JSON.stringify([runId, nodeId, generation]);
}

/** A key naming one node of one run, for in-memory maps (distinct pairs never share one). @internal */
export function nodeKey(runId: string, nodeId: string): string {
  return JSON.stringify([runId, nodeId]);
}
