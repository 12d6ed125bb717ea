import { z } from "zod";
import { AGENT_MATURITIES, INACTIVE_STATUSES } from "./maturity.js";

/** @internal The longest agent id accepted. */
export const AGENT_ID_MAX_LENGTH = 256;

/** @internal An agent id: 1–256 characters. */
export const agentIdSchema = z.string().min(1).max(AGENT_ID_MAX_LENGTH);

/** @internal The longest proposal id a caller may pass (to `approve`, `reject`, or as an approval). */
export const PROPOSAL_ID_MAX_LENGTH = 256;

/** @internal A proposal id given by a caller: 1–256 characters. */
export const proposalIdInputSchema = z.string().min(1).max(PROPOSAL_ID_MAX_LENGTH);

/** @internal What a registry must return for an agent. */
export const agentRecordSchema = z.object({
  id: agentIdSchema,
  status: z.enum([...AGENT_MATURITIES, ...INACTIVE_STATUSES]),
  confidence: z.number().min(0).max(1).nullish(),
  tenantId: z.string().nullish(),
});

/** @internal Options holding an optional clock. */
export const clockOptionSchema = z.object({
  clock: z.custom<() => Date>((v) => typeof v === "function", "must be a function").optional(),
});
