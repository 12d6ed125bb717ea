import type { ActionDefinition, ActionRegistry } from "../types.js";

/**
 * Creates an empty action registry. The engine owns one (with `slack.post_message` and `gmail.send`); use
 * `engine.registerAction` to add yours.
 * @example
 * ```ts
 * const registry = createActionRegistry();
 * registry.register("crm.tag", { input: z.object({ id: z.string() }), complexity: 1, execute: async ({ input }) => input.id });
 * ```
 */
export function createActionRegistry(): ActionRegistry {
  const actions = new Map<string, ActionDefinition>();
  return {
    register(name, action) {
      actions.set(name, action as ActionDefinition);
    },
    get: (name) => actions.get(name),
    names: () => [...actions.keys()],
  };
}
