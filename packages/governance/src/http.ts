import { type AtomError, isAtomError, parseInput, ValidationError } from "@atom/errors";
import { z } from "zod";
import { GovernanceApprovalRequiredError, GovernanceDeniedError, GovernanceUnavailableError } from "./errors.js";
import { withTimeout } from "./timeout.js";
import type { Governance } from "./governance-types.js";
import { toComplexity } from "./complexity.js";
import { isInactiveStatus } from "./maturity.js";
import { agentIdSchema, ID_TEXT_RULE, nameSchema, proposalIdInputSchema } from "./schemas.js";
import { unidentifiedError } from "./denials.js";
import { defaultActionName } from "./fingerprint.js";
import { GOVERNED_METHODS } from "./methods.js";
import { markGuard } from "./route-audit.js";
import type { GovernanceDecision, GovernedRequestInfo } from "./types.js";

/** Where a caller-supplied agent id may be read from, when you opt in with `agentIdSource`. */
export type AgentIdSource = "header" | "query" | "body";

export { GOVERNED_METHODS } from "./methods.js";

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
   * A digest of what the request acts on, chosen by you: the resource (`(request) => request.path` binds to
   * `/invoices/7/deliver`, not the pattern), a hash of the body, or both (up to 512 characters). An approval is
   * bound to the method, the route pattern and this digest: without it, an approval covers any request to the same
   * route pattern. Receives the same uniform request on every host (`raw` is the host's own).
   */
  requestDigest?: (request: GovernedHttpRequest<Raw>) => string | undefined | Promise<string | undefined>;
  /**
   * Whether a request that names no agent (a person, not an agent) passes. Otherwise it is denied (403) and audited.
   * @default false
   */
  allowUserInitiated?: boolean;
  /**
   * The trusted way to identify agents: reads the agent id from the host's request (a session, a verified token…).
   * When set it is the only source: a `null`/`undefined` answer means "no agent", and header, query and body ids are
   * never read. Give this or `agentIdSource`, not both.
   */
  resolveAgentId?: (request: Raw) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Opt-in: trust an agent id the caller sends, from exactly one place (`header`, `query` or `body`). Only for
   * callers you already authenticate some other way; a caller can name any agent. A value given more than once (two
   * headers, `?agent_id=a&agent_id=b`, a comma-separated header) is a 400 on every host. Give this or
   * `resolveAgentId`, not both.
   */
  agentIdSource?: AgentIdSource;
  /** The header holding the agent id. @default "x-agent-id" */
  agentIdHeader?: string;
  /**
   * The header an agent repeats a request with after a human approved its proposal: its value is passed to
   * `check` as `approvalId`. @default "x-approval-id"
   */
  approvalHeader?: string;
  /** The query parameter and JSON body field holding the agent id. @default "agent_id" */
  agentIdField?: string;
  /**
   * How long `resolveAgentId` and `requestDigest` may take, in ms: slower, or throwing, is a 503
   * `GOVERNANCE_UNAVAILABLE` (never an allow). @default 2_000
   */
  timeoutMs?: number;
  /**
   * The methods that are checked; `["*"]` checks every method (use it on `app.all` routes, which otherwise let
   * uncommon methods such as `PURGE` through). @default {@link GOVERNED_METHODS}
   */
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
    action: nameSchema.optional(),
    feature: nameSchema.optional(),
    actionName: nameSchema.optional(),
    allowUserInitiated: z.boolean().default(false),
    requestDigest: z.custom<(request: unknown) => unknown>((v) => typeof v === "function", "must be a function").optional(),
    resolveAgentId: z.custom<(request: unknown) => unknown>((v) => typeof v === "function", "must be a function").optional(),
    agentIdSource: z.enum(["header", "query", "body"]).optional(),
    agentIdHeader: z.string().min(1).default("x-agent-id"),
    approvalHeader: z.string().min(1).default("x-approval-id"),
    agentIdField: z.string().min(1).default("agent_id"),
    methods: z.array(z.string().min(1)).default([...GOVERNED_METHODS]),
    timeoutMs: z.number().int().positive().max(60_000).default(2_000),
  })
  .refine((v) => v.complexity !== undefined || v.action !== undefined, {
    message: "either complexity or action is required",
    path: ["complexity"],
  })
  .refine((v) => (v.resolveAgentId === undefined) !== (v.agentIdSource === undefined), {
    message: "give resolveAgentId (the host's trusted identity) or agentIdSource (a caller-supplied id, opt-in), exactly one",
    path: ["resolveAgentId"],
  });

/**
 * Turns a decision into the error a host should throw: `GOVERNANCE_DENIED` (403, without the stored status or score)
 * for a deny,
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
  const reason = publicReason(decision);
  return new GovernanceDeniedError({
    reason,
    agent_id: decision.agentId,
    action_name: decision.actionName,
    required_maturity: decision.requiredMaturity,
  });
}

/**
 * The framework-agnostic guard behind the Express, Fastify and Hono helpers. It checks only the configured methods,
 * finds the agent id from exactly one source (`resolveAgentId`, or the opted-in `agentIdSource`), denies requests
 * that name no agent unless `allowUserInitiated`, and throws the decision's error.
 *
 * @throws {ValidationError} when the options are invalid (at creation) or an agent id is present but malformed (400)
 * @example
 * ```ts
 * const guard = requireGovernance({ governance, action: "send_email", feature: "email", resolveAgentId: (req) => req.session.agentId });
 * await guard({ method, path, header: (n) => headers[n], query: (n) => query[n], body: () => body, raw: req });
 * ```
 */
export function requireGovernance<Raw = unknown>(options: RequireGovernanceOptions<Raw>): GovernanceGuard<Raw> {
  const guard = createGuard(options);
  return markGuard(guard.check, guard.methods);
}

function createGuard<Raw>(options: RequireGovernanceOptions<Raw>): { check: GovernanceGuard<Raw>; methods: string[] } {
  const opts = parseInput(optionsSchema, options, "[@atom/governance] requireGovernance");
  const methods = new Set(opts.methods.map((m) => m.toUpperCase()));
  const resolve = options.resolveAgentId;
  const complexity =
    opts.complexity !== undefined ? toComplexity(opts.complexity) : opts.governance.complexityOf(opts.action ?? "");
  const actionName = opts.actionName ?? opts.action;
  const digestOf = options.requestDigest;
  const label = { header: opts.agentIdHeader, query: `${opts.agentIdField} (query)`, body: `${opts.agentIdField} (body)` };

  /** Host code on the request path, bounded like the gate's own dependencies; any failure fails closed. */
  const bounded = async <T>(component: "agent resolver" | "request digest", agentId: string, fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await withTimeout(async () => fn(), opts.timeoutMs, () => new Error(`${component} timed out`));
    } catch (error) {
      throw new GovernanceUnavailableError({ component, agent_id: agentId }, { cause: error });
    }
  };

  const read = async (source: AgentIdSource, request: GovernedHttpRequest<Raw>): Promise<unknown> => {
    if (source === "header") return request.header(opts.agentIdHeader.toLowerCase());
    if (source === "query") return request.query(opts.agentIdField);
    const body = await request.body();
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[opts.agentIdField] : undefined;
  };

  /** One source only: the resolver when configured (its null is final), else the one opted-in caller source. */
  const findAgentId = async (request: GovernedHttpRequest<Raw>): Promise<string | undefined> => {
    if (resolve) {
      const resolved = await bounded("agent resolver", "", () => resolve(request.raw));
      return resolved === undefined || resolved === null ? undefined : agentIdOrThrow(resolved, "resolveAgentId");
    }
    const source = opts.agentIdSource ?? "header";
    const value = await read(source, request);
    if (value === undefined) return undefined;
    // Node joins repeated headers with ", ", so a comma in a header is a second id; arrays are repeated parameters.
    if (Array.isArray(value) || (source === "header" && typeof value === "string" && value.includes(","))) {
      throw new ValidationError({ field: label[source], message: `[@atom/governance] ${label[source]} must name exactly one agent` });
    }
    return agentIdOrThrow(value, label[source]);
  };

  const every = methods.has("*");
  /** Audits a request that names no agent (or a malformed id: `malformed` says where) and returns the denial. */
  const denyUnidentified = async (request: GovernedHttpRequest<Raw>, malformed?: string): Promise<AtomError> => {
    const info = requestInfo(request);
    const name = actionName ?? defaultActionName(info, complexity);
    const { governance } = opts;
    if (typeof governance.denyUnidentified !== "function") return unidentifiedError(name, complexity);
    return governance.denyUnidentified({
      actionName: name,
      complexity,
      request: info,
      ...(opts.feature ? { feature: opts.feature } : {}),
      ...(malformed === undefined ? {} : { malformed }),
    });
  };

  /** The agent and approval ids; a malformed one is audited, then refused with the 400 naming where it was found. */
  const idsOf = async (request: GovernedHttpRequest<Raw>): Promise<{ agentId: string | undefined; approvalId: string | undefined }> => {
    try {
      const agentId = await findAgentId(request);
      const approvalId = agentId === undefined ? undefined : approvalIdOf(request.header(opts.approvalHeader.toLowerCase()), opts.approvalHeader);
      return { agentId, approvalId };
    } catch (error) {
      if (!isAtomError(error, "VALIDATION_ERROR")) throw error;
      await denyUnidentified(request, String(error.details.field ?? "agent id"));
      throw error;
    }
  };

  const check: GovernanceGuard<Raw> = async (request) => {
    if (!every && !methods.has(request.method.toUpperCase())) return null;
    const { agentId, approvalId } = await idsOf(request);
    if (agentId === undefined) {
      if (opts.allowUserInitiated) return null;
      throw await denyUnidentified(request);
    }
    const digest = digestOf ? await bounded("request digest", agentId, () => digestOf(request)) : undefined;
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
  return { check, methods: [...methods] };
}

/**
 * What a denial tells the caller: the decision, not the stored status or score. An INTERN is never denied by maturity
 * (it gets a proposal), so an INTERN denial is about its approval, whose reason names only the approval.
 */
function publicReason(decision: GovernanceDecision): string {
  const { agentId, agentMaturity, actionName, requiredMaturity: required } = decision;
  if (agentMaturity !== null && isInactiveStatus(agentMaturity)) return `Agent ${agentId} may not act`;
  if (agentMaturity === "INTERN") return decision.reason;
  return `Agent ${agentId} may not perform "${actionName}", which requires ${required}`;
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
    message: `[@atom/governance] ${field} must be an agent id of 1 to 256 characters, with ${ID_TEXT_RULE}`,
  });
}

function approvalIdOf(value: unknown, header: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const parsed = proposalIdInputSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError({
    field: header,
    message: `[@atom/governance] ${header} must be a proposal id of 1 to 256 characters, with ${ID_TEXT_RULE}`,
  });
}
