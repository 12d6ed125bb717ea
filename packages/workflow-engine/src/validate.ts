import { issuesFromZod } from "@atom/errors";
import { MAX_EDGES, MAX_NODES, workflowSchema } from "./definition.js";
import type { WorkflowProblem } from "./errors.js";
import { jsonShapeProblem } from "./json-limits.js";
import { type NodeReference, readPath, templateFacts } from "./template.js";
import type { EdgeDefinition, NodeDefinition, NodeType, WorkflowDefinition } from "./types.js";

/** A node ready to execute: its type, parsed config and edges. @internal */
export interface CompiledNode {
  /** Position in {@link CompiledWorkflow.nodes}. */
  index: number;
  def: NodeDefinition;
  type: NodeType;
  /** Config parsed at validation; used as is when the raw config holds no template. */
  parsedConfig: unknown;
  hasTemplates: boolean;
  incoming: CompiledEdge[];
  outgoing: CompiledEdge[];
  /** True when an outgoing `error` edge handles this node's failure. */
  handlesErrors: boolean;
}

/** @internal */
export interface CompiledEdge {
  from: CompiledNode;
  to: CompiledNode;
  branch: string | undefined;
  /** `[this]`: the live-edge list of a node whose only incoming edge is this one, built once. */
  alone: readonly CompiledEdge[];
  /** `[from.def.id]`: the predecessors of such a node, built once. */
  sources: readonly string[];
}

/** A validated workflow. @internal */
export interface CompiledWorkflow {
  def: WorkflowDefinition;
  nodes: CompiledNode[];
  byId: Map<string, CompiledNode>;
  /** Nodes without outgoing edges, whose outputs are the run's outputs. */
  sinks: CompiledNode[];
}

/** The outcome of `engine.validate`. */
export type ValidationResult = ValidWorkflow | InvalidWorkflow;

/** A definition without problems. */
export interface ValidWorkflow {
  /** `true`: a run may start. */
  ok: true;
  /** Empty. */
  problems: [];
}

/** A definition with problems. */
export interface InvalidWorkflow {
  /** `false`: no run starts. */
  ok: false;
  /** Every problem found. */
  problems: WorkflowProblem[];
}

/**
 * Checks the JSON shape, every node's config, edges, duplicates, cycles and reachability, collecting every problem.
 * @internal
 */
export function compileWorkflow(
  input: unknown,
  types: ReadonlyMap<string, NodeType>,
): { workflow?: CompiledWorkflow; problems: WorkflowProblem[] } {
  const oversized = preflightProblems(input);
  if (oversized.length > 0) return { problems: oversized };
  const shape = workflowSchema.safeParse(input);
  if (!shape.success) {
    return {
      problems: issuesFromZod(shape.error).map((issue) => ({ field: issue.path.join("."), message: issue.message })),
    };
  }
  const def = shape.data;
  const problems: WorkflowProblem[] = [];
  const byId = new Map<string, CompiledNode>();
  const references = new Map<string, NodeReference[]>();
  def.nodes.forEach((node, index) => {
    const field = `nodes.${index}`;
    if (byId.has(node.id)) problems.push({ nodeId: node.id, field: `${field}.id`, message: `duplicate node id "${node.id}"` });
    const type = types.get(node.type);
    if (!type) {
      problems.push({ nodeId: node.id, field: `${field}.type`, message: `unknown node type "${node.type}"` });
      return;
    }
    const parsed = type.config.safeParse(node.config);
    if (!parsed.success) {
      for (const issue of issuesFromZod(parsed.error)) {
        // A templated value can only be type-checked once resolved; the executor re-validates it then.
        if (!type.resolvesTemplates && isTemplate(readPath(node.config, issue.path.map(String)))) continue;
        const path = [`${field}.config`, ...issue.path].join(".");
        problems.push({ nodeId: node.id, field: path, message: issue.message });
      }
    }
    const templates = templateFacts(node.config, `${field}.config`);
    for (const problem of templates.problems) problems.push({ nodeId: node.id, ...problem });
    if (!byId.has(node.id)) {
      references.set(node.id, templates.references);
      byId.set(node.id, {
        index: byId.size,
        def: node,
        type,
        parsedConfig: parsed.success ? parsed.data : undefined,
        hasTemplates: JSON.stringify(node.config).includes("{{"),
        incoming: [],
        outgoing: [],
        handlesErrors: false,
      });
    }
  });
  // Every declared id with its first position, those of unknown type included: lookups stay linear in the graph.
  const positions = new Map<string, number>();
  def.nodes.forEach((node, index) => {
    if (!positions.has(node.id)) positions.set(node.id, index);
  });
  def.edges.forEach((edge, index) => addEdge(edge, `edges.${index}`, byId, positions, problems));
  graphProblems(byId, positions, problems);
  referenceProblems(byId, positions, references, problems);
  if (problems.length > 0) return { problems };
  const nodes = [...byId.values()];
  return { workflow: { def, nodes, byId, sinks: nodes.filter((node) => node.outgoing.length === 0) }, problems };
}

/**
 * Too many nodes or edges, or node configs nested too deep (or too large) for the recursive schemas: found before
 * any schema runs, so an oversized definition costs no parsing.
 */
function preflightProblems(input: unknown): WorkflowProblem[] {
  const { nodes, edges } = (input ?? {}) as { nodes?: unknown; edges?: unknown };
  const problems: WorkflowProblem[] = [];
  if (Array.isArray(nodes) && nodes.length > MAX_NODES) problems.push({ field: "nodes", message: `more than ${MAX_NODES} nodes` });
  if (Array.isArray(edges) && edges.length > MAX_EDGES) problems.push({ field: "edges", message: `more than ${MAX_EDGES} edges` });
  if (!Array.isArray(nodes) || problems.length > 0) return problems;
  nodes.forEach((node: unknown, index) => {
    const problem = jsonShapeProblem((node as { config?: unknown } | null)?.config);
    if (!problem) return;
    const id = (node as { id?: unknown }).id;
    problems.push({
      ...(typeof id === "string" ? { nodeId: id } : {}),
      field: [`nodes.${index}.config`, ...problem.path].join("."),
      message: problem.message,
    });
  });
  return problems;
}

function isTemplate(value: unknown): boolean {
  return typeof value === "string" && value.includes("{{");
}

function addEdge(
  edge: EdgeDefinition,
  field: string,
  byId: Map<string, CompiledNode>,
  positions: ReadonlyMap<string, number>,
  problems: WorkflowProblem[],
): void {
  const known = (id: string) => positions.has(id);
  const from = byId.get(edge.from);
  const to = byId.get(edge.to);
  if (!known(edge.from)) problems.push({ field: `${field}.from`, message: `edge source "${edge.from}" does not exist` });
  if (!known(edge.to)) problems.push({ field: `${field}.to`, message: `edge target "${edge.to}" does not exist` });
  if (!from || !to) return;
  if (edge.branch !== undefined && edge.branch !== "error" && !from.type.branches?.includes(edge.branch)) {
    const allowed = ["error", ...(from.type.branches ?? [])].join(", ");
    problems.push({
      nodeId: from.def.id,
      field: `${field}.branch`,
      message: `"${from.def.type}" has no branch "${edge.branch}" (allowed: ${allowed})`,
    });
    return;
  }
  const compiled: CompiledEdge = { from, to, branch: edge.branch, alone: [], sources: Object.freeze([from.def.id]) };
  compiled.alone = Object.freeze([compiled]);
  from.outgoing.push(compiled);
  to.incoming.push(compiled);
  if (edge.branch === "error") from.handlesErrors = true;
}

/** Edges walked at most, over all nodes read, to check what templates read: bounds validating a huge graph. */
const MAX_REFERENCE_STEPS = 2_000_000;

/**
 * Adds to `problems` every `$node.<id>` a template reads that is not upstream of the template's node: a node that
 * may not have run when it runs (so a run's result would depend on timing, and differ between in-process and
 * queued runs), itself, or no node at all. Nodes of unknown type were reported already. One walk downstream from
 * each node read answers every template reading it.
 */
function referenceProblems(
  byId: ReadonlyMap<string, CompiledNode>,
  positions: ReadonlyMap<string, number>,
  references: ReadonlyMap<string, NodeReference[]>,
  problems: WorkflowProblem[],
): void {
  const readers = new Map<string, Set<CompiledNode>>();
  for (const [nodeId, refs] of references) {
    for (const { id } of refs) {
      if (!byId.has(id)) continue;
      let set = readers.get(id);
      if (!set) readers.set(id, (set = new Set()));
      set.add(byId.get(nodeId) as CompiledNode);
    }
  }
  let steps = MAX_REFERENCE_STEPS;
  const downstream = new Map<string, Set<CompiledNode>>();
  for (const [id, waiting] of readers) {
    const found = new Set<CompiledNode>();
    const seen = new Set<CompiledNode>();
    const stack = [byId.get(id) as CompiledNode];
    while (stack.length > 0 && found.size < waiting.size) {
      for (const { to } of (stack.pop() as CompiledNode).outgoing) {
        if (--steps < 0) {
          problems.push({ field: "nodes", message: `templates read more of the graph than ${MAX_REFERENCE_STEPS} edges can check` });
          return;
        }
        if (seen.has(to)) continue;
        seen.add(to);
        if (waiting.has(to)) found.add(to);
        stack.push(to);
      }
    }
    downstream.set(id, found);
  }
  for (const [nodeId, refs] of references) {
    const node = byId.get(nodeId) as CompiledNode;
    for (const { id, field } of refs) {
      if (!positions.has(id)) problems.push({ nodeId, field, message: `template reads node "${id}", which the workflow does not have` });
      else if (byId.has(id) && !downstream.get(id)?.has(node)) {
        problems.push({ nodeId, field, message: `template reads node "${id}", which is not upstream of "${nodeId}" (it may not have run yet)` });
      }
    }
  }
}

/** Adds to `problems` the nodes on or behind a cycle and, in a graph of several nodes, those without edges. */
function graphProblems(byId: Map<string, CompiledNode>, positions: ReadonlyMap<string, number>, problems: WorkflowProblem[]): void {
  // Kahn's algorithm: whatever is left unvisited sits on or behind a cycle.
  const indegree = new Map<CompiledNode, number>();
  for (const node of byId.values()) indegree.set(node, node.incoming.length);
  const queue = [...byId.values()].filter((node) => node.incoming.length === 0);
  const visited = new Set<CompiledNode>();
  while (queue.length > 0) {
    const node = queue.pop() as CompiledNode;
    visited.add(node);
    for (const edge of node.outgoing) {
      const left = (indegree.get(edge.to) ?? 0) - 1;
      indegree.set(edge.to, left);
      if (left === 0) queue.push(edge.to);
    }
  }
  const index = (node: CompiledNode) => positions.get(node.def.id) as number;
  for (const node of byId.values()) {
    if (!visited.has(node)) {
      problems.push({ nodeId: node.def.id, field: `nodes.${index(node)}`, message: `node "${node.def.id}" is on a cycle or only reachable through one` });
    } else if (byId.size > 1 && node.incoming.length === 0 && node.outgoing.length === 0) {
      problems.push({
        nodeId: node.def.id,
        field: `nodes.${index(node)}`,
        message: `node "${node.def.id}" is unreachable (no edges)`,
      });
    }
  }
}
