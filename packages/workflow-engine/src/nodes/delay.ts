import { z } from "zod";
import { defineNode } from "../define-node.js";
import { durationSchema } from "../duration.js";
import { NodeInputError } from "../errors.js";
import { sleep } from "../timing.js";

/**
 * `delay`: waits `ms` milliseconds or until the ISO time `until`, then passes its input through unchanged.
 * Capped by the engine's `maxDelayMs`, aborted with the run, timed by the engine clock.
 */
export const delayNode = defineNode({
  type: "delay",
  config: z
    .object({
      /** How long to wait, in ms. */
      ms: durationSchema.optional(),
      /** Wait until this ISO time (with offset). */
      until: z.iso.datetime({ offset: true }).optional(),
    })
    .refine((c) => (c.ms === undefined) !== (c.until === undefined), "set exactly one of ms or until"),
  execute: async ({ config, input, signal, services }) => {
    const { clock, maxDelayMs } = services;
    const ms = config.ms ?? Math.max(0, Date.parse(config.until ?? "") - clock.now());
    if (ms > maxDelayMs) throw new NodeInputError({ field: "ms", reason: `delay of ${ms}ms exceeds maxDelayMs (${maxDelayMs})` });
    await sleep(ms, signal, clock);
    return input;
  },
});
