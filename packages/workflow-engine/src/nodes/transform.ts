import { z } from "zod";
import { defineNode } from "../define-node.js";
import { NodeInputError } from "../errors.js";
import { parsePath, readPath, setOwn } from "../template.js";
import type { NodeContext } from "../types.js";
import { conditionSchema, evaluateCondition } from "./operators.js";
import { MatchBudget } from "./regex.js";

const path = z.string().max(500);

/** zod schema of the `transform` config (discriminated by `operation`). */
export const transformConfigSchema = z.discriminatedUnion("operation", [
  z.object({
    /** Builds one object per item of an array. */
    operation: z.literal("map"),
    /** Template of the array to map. @default "{{ $input }}" */
    source: z.string().optional(),
    /** Output field → template evaluated per item (`{{ $item.name }}`). */
    fields: z.record(z.string(), z.unknown()),
  }),
  z.object({
    /** Keeps the items of an array for which `condition` holds. */
    operation: z.literal("filter"),
    /** Template of the array to filter. @default "{{ $input }}" */
    source: z.string().optional(),
    /** Evaluated per item (fields are paths into the item). */
    condition: conditionSchema,
  }),
  z.object({
    /** Merges objects (later keys win) or concatenates arrays. */
    operation: z.literal("merge"),
    /** Templates of the values to merge. @default every live predecessor's output, in edge order */
    sources: z.array(z.string()).optional(),
  }),
  z.object({
    /** Renders a string template. */
    operation: z.literal("format"),
    /** The template, e.g. `"Hello {{ $input.name }}"`. */
    template: z.string(),
  }),
  z.object({
    /** Picks one value out of the input. */
    operation: z.literal("extract"),
    /** Dotted path into the input. */
    path,
  }),
]);

/** The `transform` config. */
export type TransformConfig = z.output<typeof transformConfigSchema>;

function sourceArray(ctx: NodeContext, source: string | undefined): unknown[] {
  const value = source === undefined ? ctx.input : ctx.resolve(source);
  if (!Array.isArray(value)) throw new NodeInputError({ nodeId: ctx.node.id, field: "source", reason: "must resolve to an array" });
  return value;
}

function merge(ctx: NodeContext, sources: string[] | undefined): unknown {
  const values =
    sources === undefined
      ? ctx.predecessors.length > 1
        ? ctx.predecessors.map((id) => (ctx.input as Record<string, unknown>)[id])
        : [ctx.input]
      : sources.map((source) => ctx.resolve(source));
  if (values.every(Array.isArray)) return (values as unknown[][]).flat();
  const out: Record<string, unknown> = {};
  for (const value of values) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new NodeInputError({ nodeId: ctx.node.id, field: "sources", reason: "merge needs all objects or all arrays" });
    }
    for (const key of Object.keys(value)) setOwn(out, key, (value as Record<string, unknown>)[key]);
  }
  return out;
}

/**
 * `transform`: pure, deterministic data shaping. `map` builds objects per item from templates, `filter` keeps items
 * matching a condition (fields relative to the item), `merge` shallow-merges objects (later sources win) or
 * concatenates arrays, `format` renders a string template, `extract` reads a path from the input.
 */
export const transformNode = defineNode({
  type: "transform",
  config: transformConfigSchema,
  resolvesTemplates: true,
  execute: (ctx) => {
    const config = ctx.config;
    switch (config.operation) {
      case "map":
        return sourceArray(ctx, config.source).map((item) => ctx.resolve(config.fields, item));
      case "filter": {
        const budget = new MatchBudget();
        // Only a templated condition (one that may read `$item`) is resolved again for each item.
        const { condition } = config;
        const perItem = JSON.stringify(condition).includes("{{");
        return sourceArray(ctx, config.source).filter(
          (item) => evaluateCondition(perItem ? ctx.resolve(condition, item) : condition, item, budget).condition_met,
        );
      }
      case "merge":
        return merge(ctx, config.sources);
      case "format": {
        const value = ctx.resolve(config.template);
        return typeof value === "string" ? value : JSON.stringify(value ?? "");
      }
      case "extract":
        return config.path === "" ? ctx.input : readPath(ctx.input, parsePath(config.path));
    }
  },
});
