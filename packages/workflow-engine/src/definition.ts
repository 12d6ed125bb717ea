import { z } from "zod";
import { durationSchema } from "./duration.js";
import type { WorkflowDefinition } from "./types.js";

/** Most nodes in one workflow definition. */
export const MAX_NODES = 100_000;
/** Most edges in one workflow definition. */
export const MAX_EDGES = 200_000;

/**
 * An id the run store keeps in a `text` column (run, workflow, node, agent and owner ids): 1–200 characters without
 * NUL, which Postgres `text` cannot hold.
 * @internal
 */
export const storedIdSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !value.includes("\u0000"), { message: "must not contain NUL (\\u0000)" });
const id = storedIdSchema;
// Results are keyed by node id in plain objects, where "__proto__" would swap the prototype instead of adding a key.
const nodeId = id.refine((value) => value !== "__proto__", { message: 'node id "__proto__" is reserved' });

/** zod schema of a retry policy. @internal */
export const retrySchema = z.object({
  maxAttempts: z.number().int().min(1).max(100),
  initialDelayMs: durationSchema.optional(),
  maxDelayMs: durationSchema.optional(),
  factor: z.number().min(1).optional(),
  jitter: z.enum(["full", "none"]).optional(),
});

/** zod schema of the JSON shape of a workflow (graph rules are checked separately). @internal */
export const workflowSchema: z.ZodType<WorkflowDefinition> = z.object({
  id,
  version: z.number().int().min(0),
  nodes: z
    .array(
      z.object({
        id: nodeId,
        type: z.string().min(1),
        config: z.record(z.string(), z.unknown()),
        retry: retrySchema.optional(),
        timeoutMs: durationSchema.min(1).optional(),
      }),
    )
    .max(MAX_NODES),
  edges: z.array(z.object({ from: id, to: id, branch: z.string().min(1).optional() })).max(MAX_EDGES),
}) as z.ZodType<WorkflowDefinition>;
