import { parseInput } from "@atom/errors";
import { z } from "zod";
import {
  AGENT_ID_MAX_LENGTH,
  agentIdSchema,
  hasNoControl,
  isIdText,
  nameSchema,
  PROPOSAL_ID_MAX_LENGTH,
  proposalIdInputSchema,
  textSchema,
} from "./schemas.js";
import type { GovernedRequestInfo } from "./types.js";

/** What `governance.check` takes: an agent and either a `complexity` or an `action` from the table. */
export interface GovernanceCheckInput {
  /** The agent asking to act. */
  agentId: string;
  /** The action's complexity (1–4); anything else counts as CRITICAL. Wins over `action` when both are given. */
  complexity?: number;
  /** An action name looked up in the action table; unknown actions are CRITICAL. */
  action?: string;
  /** The feature whose flag decides whether governance is enforced. @default "default" */
  feature?: string;
  /**
   * The name recorded in decisions, proposals and audit events.
   * @default `action`, else the request's method and route (`POST /emails`), else `complexity:<n>`
   */
  actionName?: string;
  /** The HTTP request the check guards, recorded with proposals and audit events; approvals are bound to it. */
  request?: GovernedRequestInfo;
  /**
   * The id of an approved proposal for this agent, action name, complexity and request fingerprint (see
   * `requestFingerprint`). When the action needs approval, the approval is used (once) and the check allows;
   * an unknown, pending, rejected, used, expired or mismatched approval denies.
   */
  approvalId?: string;
}

const REQUEST_FIELD_MAX_LENGTH = 2_048;
const DIGEST_MAX_LENGTH = 512;

/** @internal The contract of `check`'s input; the source of every validation error. */
export const checkSchema = z
  .object({
    agentId: agentIdSchema,
    complexity: z.number().optional(),
    action: nameSchema.optional(),
    feature: nameSchema.optional(),
    actionName: nameSchema.optional(),
    request: z
      .object({
        method: nameSchema.max(REQUEST_FIELD_MAX_LENGTH),
        path: textSchema.max(REQUEST_FIELD_MAX_LENGTH),
        route: nameSchema.max(REQUEST_FIELD_MAX_LENGTH).optional(),
        digest: nameSchema.max(DIGEST_MAX_LENGTH).optional(),
      })
      .optional(),
    approvalId: proposalIdInputSchema.optional(),
  })
  .refine((v) => v.complexity !== undefined || v.action !== undefined, {
    message: "either complexity or action is required",
    path: ["complexity"],
  });

/** @internal `check`'s input after validation. */
export type ValidCheckInput = z.output<typeof checkSchema>;

const boundedName = (value: unknown, max: number): boolean =>
  typeof value === "string" && value.length > 0 && value.length <= max && hasNoControl(value);
const boundedId = (value: unknown, max: number): boolean =>
  typeof value === "string" && value.length > 0 && value.length <= max && isIdText(value);
const optionalName = (value: unknown): boolean =>
  value === undefined || (typeof value === "string" && value.length > 0 && hasNoControl(value));

/**
 * A guard that accepts a subset of what {@link checkSchema} accepts, with no allocation. Anything it does not
 * recognise goes through zod, which either accepts it or produces the error, so the two never disagree.
 * @internal
 */
export function isWellFormedCheckInput(input: unknown): input is GovernanceCheckInput {
  if (typeof input !== "object" || input === null) return false;
  const { agentId, complexity, action, feature, actionName, request, approvalId } = input as Record<string, unknown>;
  if (!boundedId(agentId, AGENT_ID_MAX_LENGTH)) return false;
  if (complexity !== undefined && !(typeof complexity === "number" && Number.isFinite(complexity))) return false;
  if (complexity === undefined && action === undefined) return false;
  if (!optionalName(action) || !optionalName(feature) || !optionalName(actionName)) return false;
  if (approvalId !== undefined && !boundedId(approvalId, PROPOSAL_ID_MAX_LENGTH)) return false;
  if (request === undefined) return true;
  if (typeof request !== "object" || request === null) return false;
  const { method, path, route, digest } = request as Record<string, unknown>;
  return (
    boundedName(method, REQUEST_FIELD_MAX_LENGTH) &&
    typeof path === "string" &&
    path.length <= REQUEST_FIELD_MAX_LENGTH &&
    hasNoControl(path) &&
    (route === undefined || boundedName(route, REQUEST_FIELD_MAX_LENGTH)) &&
    (digest === undefined || boundedName(digest, DIGEST_MAX_LENGTH))
  );
}

/**
 * Validates `check`'s input: the allocation-free guard for the common well-formed case, zod for everything else.
 * Returns the caller's object when it carries no `request`, so read its fields once, before any `await`.
 * @throws {ValidationError} naming the offending field
 * @internal
 */
export function readCheckInput(input: unknown): ValidCheckInput {
  if (!isWellFormedCheckInput(input)) return parseInput(checkSchema, input, "[@atom/governance] check");
  const { request } = input;
  if (request === undefined) return input;
  // Only these fields travel on to proposals and audit events, never other fields of the caller's object.
  const { method, path, route, digest } = request;
  return {
    ...input,
    request: { method, path, ...(route === undefined ? {} : { route }), ...(digest === undefined ? {} : { digest }) },
  };
}
