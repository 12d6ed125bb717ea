import type { AtomError } from "@atom/errors";
import { z } from "zod";
import { agentIdSchema, agentRecordSchema, freeTextSchema, idSchema, nameSchema, proposalIdInputSchema, textSchema } from "./schemas.js";
import type {
  AgentRegistry,
  ApprovalStore,
  GovernanceAuditEvent,
  GovernanceAuditSink,
  GovernanceDecision,
  GovernanceFlagsReader,
} from "./types.js";

/** The schemas `createGovernance` validates its options and calls with. @internal */
/** The longest delay a Node timer holds. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The longest proposal or approval lifetime: ten years, far inside what a `Date` can hold. */
export const MAX_TTL_MS = 10 * 365 * 86_400_000;

/** A memoized decision and the settled promise the hot path hands out for it (immutable, so shared). */
export interface Memo {
  decision: GovernanceDecision;
  promise: Promise<GovernanceDecision>;
}

/** @internal */
export const optionsSchema = z.object({
  registry: z.custom<AgentRegistry>(
    (v) => typeof (v as AgentRegistry | null)?.getAgent === "function" && typeof (v as AgentRegistry).adjustConfidence === "function",
    "must implement getAgent and adjustConfidence",
  ),
  flags: z
    .custom<GovernanceFlagsReader>(
      (v) =>
        typeof (v as GovernanceFlagsReader | null)?.shouldEnforceGovernance === "function" &&
        typeof (v as GovernanceFlagsReader).isEmergencyBypassActive === "function",
      "must implement shouldEnforceGovernance and isEmergencyBypassActive",
    )
    .optional(),
  approvals: z
    .custom<ApprovalStore>((v) => typeof (v as ApprovalStore | null)?.createProposal === "function", "must implement createProposal")
    .optional(),
  audit: z.custom<GovernanceAuditSink>((v) => typeof v === "function", "must be a function").optional(),
  onAuditError: z.custom<(error: unknown, event: GovernanceAuditEvent) => void>((v) => typeof v === "function").optional(),
  onError: z.custom<(error: AtomError) => void>((v) => typeof v === "function").optional(),
  actions: z.record(z.string(), z.number()).optional(),
  cacheTtlMs: z.number().int().min(0).max(MAX_TIMER_MS).optional(),
  watchRegistry: z.boolean().optional(),
  approvalTtlMs: z.number().int().positive().max(MAX_TTL_MS).optional(),
  proposalTtlMs: z.number().int().positive().max(MAX_TTL_MS).optional(),
  allowAgentApprovers: z.boolean().optional(),
  // A longer timer fires at once (Node clamps it to 1 ms): every check would time out.
  timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).optional(),
  clock: z.custom<() => number>((v) => typeof v === "function", "must be a function").optional(),
});

/** @internal */
export const statusInputSchema = z.object({ agentId: agentIdSchema, status: agentRecordSchema.shape.status });

/** @internal */
export const outcomeSchema = z.object({
  agentId: agentIdSchema,
  success: z.boolean(),
  impact: z.enum(["low", "high"]).default("low"),
});

/** @internal */
export const proposalIdSchema = z.string().min(1);
/** @internal */
export const optionalText = z.string().optional();

/** What the gate reads of a proposal a person decides. */
/** @internal */
export const proposalSummarySchema = z.object({
  id: proposalIdSchema,
  agentId: z.string(),
  actionName: z.string(),
  complexity: z.number(),
});
export type ProposalSummary = z.output<typeof proposalSummarySchema>;

/** @internal */
export const decisionSchema = z.object({
  proposalId: proposalIdInputSchema,
  by: idSchema(256),
  note: freeTextSchema.max(2_000).optional(),
});

/** @internal What `denyUnidentified` takes: it records a denial, so its fields must be storable. */
export const unidentifiedSchema = z.object({
  actionName: nameSchema,
  complexity: z.number(),
  feature: nameSchema.optional(),
  request: z.object({ method: nameSchema, path: textSchema }).optional(),
  malformed: nameSchema.max(200).optional(),
});
