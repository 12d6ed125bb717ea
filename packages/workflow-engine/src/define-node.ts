import type { z } from "zod";
import type { BranchOutput, NodeContext, NodeType } from "./types.js";

const BRANCH = Symbol.for("@atom/workflow-engine.branch");

/**
 * Declares a node type. The config schema is checked by `engine.validate` for every node of this type, and
 * `execute` receives the config with templates resolved.
 *
 * @example
 * ```ts
 * const upper = defineNode({
 *   type: "upper",
 *   config: z.object({ text: z.string() }),
 *   execute: ({ config }) => config.text.toUpperCase(),
 * });
 * const engine = createWorkflowEngine({ nodes: [upper] });
 * ```
 */
export function defineNode<S extends z.ZodType>(definition: {
  /** Type name used in definitions. */
  type: string;
  /** zod schema of the config. */
  config: S;
  /** Runs one attempt; return the output or `routeTo(branch, output)`. */
  execute(ctx: NodeContext<z.output<S>>): Promise<unknown> | unknown;
  /** Branch names `execute` may route to with `routeTo`. */
  branches?: readonly string[];
  /** Set when `execute` resolves templates itself through `ctx.resolve`. @default false */
  resolvesTemplates?: boolean;
}): NodeType<z.output<S>> {
  return definition as NodeType<z.output<S>>;
}

/**
 * Returned from `execute` to route to `branch` (edges with that `branch` are taken, others skipped).
 * @example `return routeTo(ok ? "true" : "false", { condition_met: ok });`
 */
export function routeTo(branch: string, output: unknown): BranchOutput {
  return { [BRANCH]: true, branch, output } as BranchOutput;
}

/** @internal */
export function isBranchOutput(value: unknown): value is BranchOutput {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRANCH] === true;
}
