import { z } from "zod";
import { AGENT_MATURITIES, INACTIVE_STATUSES } from "./maturity.js";

/** A control character (C0, DEL, C1), or whitespace at either end. */
const NOT_ID_TEXT = /\p{Cc}|^\s|\s$/u;
const CONTROL = /\p{Cc}/u;

/**
 * @internal Whether `value` can be an id (agent, proposal, approver): no control character (Postgres refuses NUL in
 * text outright, and the others have no place in an id) and no whitespace at either end (`"agent-7 "` must not pass
 * for a different person than `agent-7`). Allocation-free, for the hot path.
 */
export const isIdText = (value: string): boolean => !NOT_ID_TEXT.test(value);

/** @internal Whether `value` holds no control character: names, features and request fields. */
export const hasNoControl = (value: string): boolean => !CONTROL.test(value);

/** @internal What {@link isIdText} requires, for error messages. */
export const ID_TEXT_RULE = "no control characters and no whitespace at either end";

/** @internal An id given by a caller: 1–`max` characters that pass {@link isIdText}. */
export const idSchema = (max: number) => z.string().min(1).max(max).refine(isIdText, `must have ${ID_TEXT_RULE}`);

const NO_CONTROL = "must not contain control characters";

/** @internal Text that may be empty (a request path): no control characters. */
export const textSchema = z.string().refine(hasNoControl, NO_CONTROL);

/** @internal A name (action, feature, route…): at least one character, no control characters. */
export const nameSchema = z.string().min(1).refine(hasNoControl, NO_CONTROL);

/** @internal Free text stored as given (a note): anything but NUL, which Postgres cannot store. */
export const freeTextSchema = z.string().refine((value) => !value.includes("\u0000"), "must not contain NUL characters");

/** @internal The longest agent id accepted. */
export const AGENT_ID_MAX_LENGTH = 256;

/** @internal An agent id: 1–256 characters, see {@link isIdText}. */
export const agentIdSchema = idSchema(AGENT_ID_MAX_LENGTH);

/** @internal The longest proposal id a caller may pass (to `approve`, `reject`, or as an approval). */
export const PROPOSAL_ID_MAX_LENGTH = 256;

/** @internal A proposal id given by a caller: 1–256 characters, see {@link isIdText}. */
export const proposalIdInputSchema = idSchema(PROPOSAL_ID_MAX_LENGTH);

/** @internal What a registry must return for an agent. */
export const agentRecordSchema = z.object({
  id: agentIdSchema,
  status: z.enum([...AGENT_MATURITIES, ...INACTIVE_STATUSES]),
  confidence: z.number().min(0).max(1).nullish(),
  tenantId: freeTextSchema.nullish(),
});

/** @internal Options holding an optional clock. */
export const clockOptionSchema = z.object({
  clock: z.custom<() => Date>((v) => typeof v === "function", "must be a function").optional(),
});
