import { idempotencyKey } from "./idempotency.js";
import { resolveTemplates, type TemplateScope } from "./template.js";
import type { NodeContext, NodeDefinition, NodeServices } from "./types.js";

/**
 * The `ctx` handed to `execute`. A class rather than a literal so the per-node allocation stays small and the
 * idempotency key is only hashed when a node asks for it.
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
    readonly signal: AbortSignal,
    readonly services: NodeServices,
    private readonly scope: TemplateScope,
  ) {
    this.rawConfig = node.config;
    if (agentId !== undefined) this.agentId = agentId;
  }

  get idempotencyKey(): string {
    return idempotencyKey(this.runId, this.node.id);
  }

  resolve<T>(value: T, item?: unknown): T {
    return resolveTemplates(value, item === undefined ? this.scope : { ...this.scope, item });
  }
}
