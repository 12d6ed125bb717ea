import { idempotencyKey } from "./idempotency.js";
import { resolveWithin, type TemplateScope } from "./template.js";
import { TemplateBudget } from "./template-budget.js";
import type { NodeContext, NodeDefinition, NodeServices } from "./types.js";
import type { CancelScope } from "./cancel-scope.js";
import type { AbortEmitter } from "./http/types.js";

/**
 * Where a context gets the template scope and the approval of its node: the run's execution.
 * @internal
 */
export interface TemplateScopes {
  /** The scope for templates of a node with this input (and, inside `map`/`filter`, this item). */
  scopeOf(input: unknown, item?: unknown): TemplateScope;
  /** The approval id `resume` was given for this node. */
  approvalFor(nodeId: string): string | undefined;
  /** Whether an earlier attempt of this node in this execution passed the governance gate for this request digest. */
  gatePassed(nodeId: string, digest: string): boolean;
  /**
   * Records that this node passed the governance gate for this request digest, so its retries with the same input do
   * not ask (and spend an approval) again; a retry whose input resolved differently asks again.
   */
  passGate(nodeId: string, digest: string): void;
}

/**
 * The governance gate's memory across a node's attempts, bound to the digest of the request governance allowed.
 * @internal
 */
export interface GovernanceGate {
  /** Whether an earlier attempt passed the gate with exactly this request digest. */
  passed(digest: string): boolean;
  /** Records that this attempt passed the gate with this request digest. */
  pass(digest: string): void;
}

/**
 * The governance gate's memory across a node's attempts, when `ctx` is the engine's own context.
 * @internal
 */
export function gateOf(ctx: unknown): GovernanceGate | undefined {
  return ctx instanceof NodeContextImpl ? ctx.gate : undefined;
}

/**
 * The `ctx` handed to `execute`. A class rather than a literal so the per-node allocation stays small; the
 * idempotency key is only hashed, and the template scope only built, when a node asks for them.
 * @internal
 */
export class NodeContextImpl implements NodeContext {
  readonly rawConfig: unknown;
  readonly agentId?: string;

  constructor(
    readonly config: unknown,
    readonly input: unknown,
    readonly predecessors: readonly string[],
    readonly node: NodeDefinition,
    readonly runId: string,
    agentId: string | undefined,
    readonly attempt: number,
    private readonly cancel: CancelScope,
    readonly services: NodeServices,
    private readonly scopes: TemplateScopes,
    private readonly budget: TemplateBudget = new TemplateBudget(node.id),
  ) {
    this.rawConfig = node.config;
    if (agentId !== undefined) this.agentId = agentId;
  }

  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  get abortEmitter(): AbortEmitter {
    return this.cancel.abortEmitter;
  }

  get approvalId(): string | undefined {
    return this.scopes.approvalFor(this.node.id);
  }

  /** @internal See {@link gateOf}. */
  get gate(): GovernanceGate {
    const { scopes } = this;
    const id = this.node.id;
    return { passed: (digest) => scopes.gatePassed(id, digest), pass: (digest) => scopes.passGate(id, digest) };
  }

  get idempotencyKey(): string {
    return idempotencyKey(this.runId, this.node.id);
  }

  resolve<T>(value: T, item?: unknown): T {
    return resolveWithin(value, this.scopes.scopeOf(this.input, item), this.budget);
  }
}
