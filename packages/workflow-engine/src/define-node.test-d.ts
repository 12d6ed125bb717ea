import { expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineNode, type NodeType } from "./index.js";

it("infers the config type from the schema", () => {
  const node = defineNode({
    type: "greet",
    config: z.object({ name: z.string(), times: z.number().default(1) }),
    execute: ({ config }) => {
      expectTypeOf(config).toEqualTypeOf<{ name: string; times: number }>();
      return config.name.repeat(config.times);
    },
  });
  expectTypeOf(node).toEqualTypeOf<NodeType<{ name: string; times: number }>>();
});
