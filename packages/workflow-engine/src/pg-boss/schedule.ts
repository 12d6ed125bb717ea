import { keyedResultOf, liveEdges, nodeInput, resolveConfig } from "../executor.js";
import { delayNode } from "../nodes/delay.js";
import { isoTime } from "../timing.js";
import type { NodeResult, NodeServices } from "../types.js";
import type { CompiledNode } from "../validate.js";

/** A node whose predecessors all settled and that has a taken incoming edge (or none): it gets a job. @internal */
export interface ReadyNode {
  node: CompiledNode;
  /** For a `delay` node: when its wait ends (epoch ms); the job starts then. */
  due?: number;
}

/** What settling some nodes of a run leads to. @internal */
export interface Schedule {
  ready: ReadyNode[];
  /** Nodes skipped (no taken incoming edge), already added to the results. */
  skipped: { node: CompiledNode; result: NodeResult }[];
}

/**
 * From `candidates`, the nodes that can run now given `results`, with skip propagation: a node whose predecessors
 * all settled but none of whose incoming edges is taken is skipped, which may make its successors candidates.
 * Uses the executor's own edge rule, so branches, failure edges and skips match in-process runs. Mutates `results`
 * with the skipped nodes.
 * @internal
 */
export function schedule(
  results: Record<string, NodeResult>,
  candidates: Iterable<CompiledNode>,
  runInput: unknown,
  services: NodeServices,
): Schedule {
  const out: Schedule = { ready: [], skipped: [] };
  const queue = [...candidates];
  const seen = new Set<CompiledNode>();
  const resultOf = keyedResultOf(results);
  while (queue.length > 0) {
    const node = queue.shift() as CompiledNode;
    if (seen.has(node) || Object.hasOwn(results, node.def.id)) continue;
    if (!node.incoming.every((edge) => Object.hasOwn(results, edge.from.def.id))) continue;
    seen.add(node);
    const live = liveEdges(node, resultOf);
    if (node.incoming.length > 0 && live.length === 0) {
      const result: NodeResult = { status: "skipped", attempts: 0, finishedAt: isoTime(services.clock.now()) };
      results[node.def.id] = result;
      out.skipped.push({ node, result });
      for (const edge of node.outgoing) queue.push(edge.to);
      continue;
    }
    const due = node.type === delayNode ? delayDue(node, nodeInput(node, live, resultOf, runInput), results, runInput, services) : undefined;
    out.ready.push(due === undefined ? { node } : { node, due });
  }
  return out;
}

/**
 * When a delay node's wait ends, or `undefined` to run it at once: when its config does not resolve or exceeds
 * `maxDelayMs`, the executor reports that exactly as in-process.
 */
function delayDue(node: CompiledNode, input: unknown, results: Record<string, NodeResult>, runInput: unknown, services: NodeServices): number | undefined {
  let config: { ms?: number; until?: string };
  try {
    config = (node.hasTemplates ? resolveConfig(node, { input, runInput, nodes: results }) : node.parsedConfig) as typeof config;
  } catch {
    return undefined;
  }
  const now = services.clock.now();
  const ms = config.ms ?? Math.max(0, Date.parse(config.until ?? "") - now);
  if (!(ms > 0) || ms > services.maxDelayMs) return undefined;
  return now + ms;
}
