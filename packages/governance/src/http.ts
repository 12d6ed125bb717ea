import { type AtomError, parseInput, ValidationError } from "@atom/errors";
import { z } from "zod";
import { GovernanceApprovalRequiredError, GovernanceDeniedError } from "./errors.js";
import type { Governance } from "./governance.js";
import { requiredMaturity, toComplexity } from "./complexity.js";
import { agentIdSchema, proposalIdInputSchema } from "./schemas.js";
import { defaultActionName } from "./fingerprint.js";
import type { GovernanceDecision, GovernedRequestInfo } from "./types.js";

/** Where an agent id may be read from, after the resolver. */
export type AgentIdSource = "header" | "query" | "body";

/** The methods checked by default; every other method (GET, HEAD, OPTIONS…) passes without a registry call. */
export const GOVERNED_METHODS: readonly string[] = ["POST", "PUT", "PATCH", "DELETE"];

/** Options of `requireGovernance`, shared by every host helper. `Raw` is the host's request type. */
export interface RequireGovernanceOptions<Raw = unknown> {
  /** The gate made by `createGovernance`. */
  governance: Governance;
  /** The route's complexity (1–4); unknown values are CRITICAL. Give this or `action`. */
  complexity?: number;
  /** An action name from the gate's table (`send_email`). Give this or `complexity`. */
  action?: string;
  /** The feature whose flag decides whether governance is enforced. @default "default" */
  feature?: string;
  /**
   * The name recorded in decisions, proposals and audit events.
   * @default `action`, else the method and route (`POST /emails/:id`)
   */
  actionName?: string;
  /**
   * A digest of what the request acts on (a hash of the body, the resource id), chosen by you. An approval is
   * bound to the method, route and this digest: without it, an approval covers any request to the same route.
   */
  requestDigest?: (request: Raw) => string | undefined | Promise<string | undefined>;
  /**
   * Whether a request without any agent id (a person, not an agent) passes. With `false` it is denied (403).
   * @default true
   */
  allowUserInitiated?: boolean;
  /** Reads the agent id from the host's request first (from a session, a verified token…). */
  resolveAgentId?: (request: Raw) => string | null | undefined | Promise<string | null | undefined>;
  /** Where else to look for the agent id, in order. @default ["header", "query", "body"] */
  agentIdSources?: readonly AgentIdSource[];
  /** The header holding the agent id. @default "x-agent-id" */
  agentIdHeader?: string;
  /**
   * The header an agent repeats a request with after a human approved its proposal: its value is passed to
   * `check` as `approvalId`. @default "x-approval-id"
   */
  approvalHeader?: string;
  /** The query parameter and JSON body field holding the agent id. @default "agent_id" */
  agentIdField?: string;
  /** The methods that are checked. @default {@link GOVERNED_METHODS} */
  methods?: readonly string[];
}

/** What a host helper hands to the guard: a uniform view of its request. */
export interface GovernedHttpRequest<Raw = unknown> {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** The route pattern that matched (`/accounts/:id`), when the host knows it; approvals are bound to it. */
  route?: string;
  /** A header value (name lower-case). */
  header(name: string): unknown;
  /** A query parameter value. */
  query(name: string): unknown;
  /** The parsed JSON body (or a promise of it), `undefined` when there is none. Called only when needed. */
  body(): unknown;
  /** The host's own request, passed to `resolveAgentId`. */
  raw: Raw;
}

/** The guard returned by {@link requireGovernance}: resolves to the decision, or `null` when no check applied. */
export type GovernanceGuard<Raw = unknown> = (request: GovernedHttpRequest<Raw>) => Promise<GovernanceDecision | null>;

const optionsSchema = z
  .object({
    governance: z.custom<Governance>((v) => typeof (v as Governance | null)?.check === "function", "must be a governance gate"),
    complexity: z.number().optional(),
    action: z.string().min(1).optional(),
    feature: z.string().min(1).optional(),
    actionName: z.string().min(1).optional(),
    allowUserInitiated: z.boolean().default(true),
    requestDigest: z.custom<(request: unknown) => unknown>((v) => typeof v === "function", "must be a function").optional(),
    resolveAgentId: z.custom<(request: unknown) => unknown>((v) => typeof v === "function", "must be a function").optional(),
    agentIdSources: z.array(z.enum(["header", "query", "body"])).default(["header", "query", "body"]),
    agentIdHeader: z.string().min(1).default("x-agent-id"),
    approvalHeader: z.string().min(1).default("x-approval-id"),
    agentIdField: z.string().min(1).default("agent_id"),
    methods: z.array(z.string().min(1)).default([...GOVERNED_METHODS]),
  })
  .refine((v) => v.complexity !== undefined || v.action !== undefined, {
    message: "either complexity or action is required",
    path: ["complexity"],
  });


/**
 * Turns a decision into the error a host should throw: `GOVERNANCE_DENIED` (403) for a deny,
 * `GOVERNANCE_APPROVAL_REQUIRED` (202) for an approval, `undefined` for an allow.
 * @example const error = toGovernanceError(await governance.check(input)); if (error) throw error;
 */
export function toGovernanceError(decision: GovernanceDecision): AtomError | undefined {
  if (decision.outcome === "allow") return undefined;
  if (decision.outcome === "approval_required") {
    return new GovernanceApprovalRequiredError({
      proposal_id: decision.proposalId ?? "",
      agent_maturity: decision.agentMaturity ?? "",
      required_maturity: decision.requiredMaturity,
    });
  }
  return new GovernanceDeniedError({
    reason: decision.reason,
    agent_id: decision.agentId,
    action_name: decision.actionName,
    agent_maturity: decision.agentMaturity,
    required_maturity: decision.requiredMaturity,
  });
}

/**
 * The framework-agnostic guard behind the Express, Fastify and Hono helpers. It checks only the configured methods,
 * finds the agent id (resolver, then `X-Agent-ID`, then `?agent_id=`, then `agent_id` in a JSON body), lets people
 * through when `allowUserInitiated`, and throws the decision's error.
 *
 * @throws {ValidationError} when the options are invalid (at creation) or an agent id is present but malformed (400)
 * @example
 * ```ts
 * const guard = requireGovernance({ governance, action: "send_email", feature: "email" });
 * await guard({ method, path, header: (n) => headers[n], query: (n) => query[n], body: () => body, raw: req });
 * ```
 */
export function requireGovernance<Raw = unknown>(options: RequireGovernanceOptions<Raw>): GovernanceGuard<Raw> {
  const opts = parseInput(optionsSchema, options, "[@atom/governance] requireGovernance");
  const methods = new Set(opts.methods.map((m) => m.toUpperCase()));
  const resolve = options.resolveAgentId;
  const complexity =
    opts.complexity !== undefined ? toComplexity(opts.complexity) : opts.governance.complexityOf(opts.action ?? "");
  const actionName = opts.actionName ?? opts.action;
  const digestOf = options.requestDigest;
  const label = { header: opts.agentIdHeader, query: `${opts.agentIdField} (query)`, body: `${opts.agentIdField} (body)` };

  const read = async (source: AgentIdSource, request: GovernedHttpRequest<Raw>): Promise<unknown> => {
    if (source === "header") return request.header(opts.agentIdHeader.toLowerCase());
    if (source === "query") return request.query(opts.agentIdField);
    const body = await request.body();
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[opts.agentIdField] : undefined;
  };

  const findAgentId = async (request: GovernedHttpRequest<Raw>): Promise<string | undefined> => {
    const resolved = resolve ? await resolve(request.raw) : undefined;
    if (resolved !== undefined && resolved !== null) return agentIdOrThrow(resolved, "resolveAgentId");
    for (const source of opts.agentIdSources) {
      const value = await read(source, request);
      if (value !== undefined) return agentIdOrThrow(value, label[source]);
    }
    return undefined;
  };

  return async (request) => {
    if (!methods.has(request.method.toUpperCase())) return null;
    const agentId = await findAgentId(request);
    if (agentId === undefined) {
      if (opts.allowUserInitiated) return null;
      throw new GovernanceDeniedError({
        reason: "An agent id is required for this action",
        agent_id: null,
        action_name: actionName ?? defaultActionName(requestInfo(request), complexity),
        agent_maturity: null,
        required_maturity: requiredMaturity(complexity),
      });
    }
    const approvalId = approvalIdOf(request.header(opts.approvalHeader.toLowerCase()), opts.approvalHeader);
    const digest = digestOf ? await digestOf(request.raw) : undefined;
    const decision = await opts.governance.check({
      agentId,
      complexity,
      ...(actionName !== undefined ? { actionName } : {}),
      ...(approvalId !== undefined ? { approvalId } : {}),
      ...(opts.feature !== undefined ? { feature: opts.feature } : {}),
      request: { ...requestInfo(request), ...(digest === undefined ? {} : { digest }) },
    });
    const error = toGovernanceError(decision);
    if (error) throw error;
    return decision;
  };
}

function requestInfo(request: GovernedHttpRequest<unknown>): GovernedRequestInfo {
  const method = request.method.toUpperCase();
  return request.route === undefined ? { method, path: request.path } : { method, path: request.path, route: request.route };
}

function agentIdOrThrow(value: unknown, field: string): string {
  const parsed = agentIdSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError({
    field,
    message: `[@atom/governance] ${field} must be an agent id of 1 to 256 characters`,
  });
}

function approvalIdOf(value: unknown, header: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = proposalIdInputSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError({ field: header, message: `[@atom/governance] ${header} must be a proposal id of 1 to 256 characters` });
}
