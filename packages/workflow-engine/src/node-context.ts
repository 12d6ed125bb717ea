import { idempotencyKey } from "./idempotency.js";
import { resolveTemplates, type TemplateScope } from "./template.js";
import type { NodeContext, NodeDefinition, NodeServices } from "./types.js";
import type { CancelScope } from "./cancel-scope.js";
import type { AbortEmitter } from "./http/types.js";

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
    private readonly scopeOf: (input: unknown, item?: unknown) => TemplateScope,
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

  get idempotencyKey(): string {
    return idempotencyKey(this.runId, this.node.id);
  }

  resolve<T>(value: T, item?: unknown): T {
    return resolveTemplates(value, this.scopeOf(this.input, item));
  }
}
