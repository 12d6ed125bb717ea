import { AgentNotFoundError, type AtomError, isAtomError, parseInput } from "@atom/errors";
import { AgentCache } from "./agent-cache.js";
import { readCheckInput, type ValidCheckInput } from "./check-input.js";
import { type ActionComplexity, complexityForAction, DEFAULT_ACTION_COMPLEXITY, requiredMaturity, toComplexity } from "./complexity.js";
import { judge } from "./decide.js";
import { unidentifiedError } from "./denials.js";
import {
  ApprovalsUnsupportedError,
  GovernanceUnavailableError,
  ProposalAlreadyDecidedError,
  ProposalApproverRefusedError,
  ProposalNotFoundError,
  RegistryUnsupportedError,
} from "./errors.js";
import { defaultActionName, requestFingerprint } from "./fingerprint.js";
import { createFlagReader, type FlagReading } from "./flag-reader.js";
import {
  decisionSchema,
  type Memo,
  optionalText,
  optionsSchema,
  outcomeSchema,
  proposalIdSchema,
  type ProposalSummary,
  proposalSummarySchema,
  statusInputSchema,
  unidentifiedSchema,
} from "./governance-schemas.js";
import type { Governance, GovernanceOptions, ProposalDecisionInput } from "./governance-types.js";
import { isInactiveStatus, MATURITY_CONFIDENCE_FLOOR } from "./maturity.js";
import { memoryApprovalStore } from "./memory.js";
import { agentIdSchema, agentRecordSchema } from "./schemas.js";
import { withTimeout } from "./timeout.js";
import type {
  AgentRecord,
  ApprovalStore,
  GovernanceAuditEvent,
  GovernanceDecision,
  GovernanceMode,
  GovernanceOutcome,
  GovernedRequestInfo,
  Proposal,
} from "./types.js";

export type {
  Governance,
  GovernanceOptions,
  ProposalDecisionInput,
  RecordOutcomeOptions,
  UnidentifiedRequest,
} from "./governance-types.js";

/** A validated check on its way through the slow path. */
interface PendingCheck {
  agentId: string;
  complexity: ActionComplexity;
  actionName: string;
  feature: string;
  mode: GovernanceMode;
  request: GovernedRequestInfo | undefined;
  approvalId: string | undefined;
}

const DELTAS = { low: { success: 0.01, failure: -0.02 }, high: { success: 0.05, failure: -0.1 } } as const;

function defaultOnError(error: AtomError): void {
  console.error(`[@atom/governance] ${error.code}: ${error.message}`);
}

function defaultOnAuditError(error: unknown): void {
  console.error(`[@atom/governance] audit sink failed: ${error instanceof Error ? error.name : typeof error}`);
}

/**
 * Creates a governance gate: decides whether an agent may perform an action, failing closed on every error.
 *
 * | agent | action at or below its level | above its level |
 * | --- | --- | --- |
 * | STUDENT, SUPERVISED | allow | deny |
 * | INTERN | allow | `approval_required` (proposal recorded) |
 * | AUTONOMOUS | allow | (nothing is above) |
 * | PAUSED, STOPPED, DEPRECATED, DELETED | deny | deny |
 *
 * @throws {ValidationError} when the options are invalid
 * @example
 * ```ts
 * const governance = createGovernance({ registry: memoryAgentRegistry([{ id: "agent-7", status: "INTERN" }]) });
 * const decision = await governance.check({ agentId: "agent-7", action: "send_email" });
 * // decision.outcome === "approval_required", decision.proposalId is set
 * ```
 */
export function createGovernance(options: GovernanceOptions): Governance {
  const opts = parseInput(optionsSchema, options, "[@atom/governance] createGovernance");
  const registry = opts.registry;
  const approvals = opts.approvals ?? memoryApprovalStore();
  const clock = opts.clock ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 2_000;
  const approvalTtlMs = opts.approvalTtlMs ?? 86_400_000;
  const proposalTtlMs = opts.proposalTtlMs ?? 86_400_000;
  const table = { ...DEFAULT_ACTION_COMPLEXITY, ...opts.actions };
  /** Action names already looked up (bounded), so a route's name is lower-cased and looked up once. */
  const complexities = new Map<string, ActionComplexity>();
  const complexityOf = (action: string): ActionComplexity => {
    const known = complexities.get(action);
    if (known !== undefined) return known;
    const complexity = complexityForAction(action, table);
    if (complexities.size < 1_024) complexities.set(action, complexity);
    return complexity;
  };
  // Without an injected clock, entries expire by timer and a cached check reads no clock.
  const cache = new AgentCache(opts.cacheTtlMs ?? 30_000, opts.clock);
  const onAuditError = opts.onAuditError ?? defaultOnAuditError;
  const watch =
    opts.watchRegistry !== false && typeof registry.watch === "function"
      ? registry.watch((agentId) => cache.invalidate(agentId ?? undefined))
      : undefined;
  const onError = opts.onError ?? defaultOnError;
  const reportError = (error: AtomError) => {
    try {
      onError(error);
    } catch {
      // A failing reporter must not change the decision, which is already the safe one.
    }
  };

  type Component = "agent registry" | "approval store";
  const unavailable = (component: Component, agentId: string, cause: unknown) =>
    new GovernanceUnavailableError({ component, agent_id: agentId }, { cause });

  /** Calls a dependency with the gate's timeout; any failure (thrown, rejected, timed out) fails closed. */
  const call = async <T>(component: Component, agentId: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(fn, timeoutMs, () => new Error(`${component} timed out`));
    } catch (error) {
      throw unavailable(component, agentId, error);
    }
  };

  const loadAgent = (agentId: string): Promise<AgentRecord | null> =>
    // Parsed inside the guarded call: a record whose getters throw is a registry failure (503) like any other.
    call("agent registry", agentId, async () => {
      const raw: unknown = await registry.getAgent(agentId);
      if (raw === null || raw === undefined) return null;
      const record = agentRecordSchema.parse(raw);
      if (record.id !== agentId) throw new Error("agent registry returned another agent");
      return record;
    });

  const getAgent = async (agentId: string): Promise<AgentRecord> => {
    const record = await cache.load(agentId, () => loadAgent(agentId));
    if (record === null) throw new AgentNotFoundError({ agentId });
    return record;
  };

  const readFlags = createFlagReader(opts.flags, timeoutMs);

  /** Hands an event to the sink, bounded by `timeoutMs`; a failing or slow sink never changes a decision. */
  const emit = async (event: GovernanceAuditEvent): Promise<void> => {
    const sink = opts.audit;
    if (!sink) return;
    try {
      await withTimeout(async () => sink(event), timeoutMs, () => new Error("audit sink timed out"));
    } catch (error) {
      onAuditError(error, event);
    }
  };

  const checkEvent = (check: PendingCheck) => ({
    agentId: check.agentId,
    actionName: check.actionName,
    complexity: check.complexity,
    requiredMaturity: requiredMaturity(check.complexity),
    feature: check.feature,
    ...(check.request ? { request: check.request } : {}),
  });

  /** Audits a check that failed (404, 503…) as a denial, with the error's code. */
  const emitFailure = (check: PendingCheck, error: unknown): Promise<void> =>
    emit({
      ...checkEvent(check),
      type: "error",
      severity: "warning",
      outcome: "deny",
      agentMaturity: null,
      reason: isAtomError(error) ? error.message : "[@atom/governance] the check failed",
      errorCode: isAtomError(error) ? error.code : "INTERNAL_ERROR",
      at: new Date(clock()),
    });

  const propose = async (
    decision: GovernanceDecision,
    record: AgentRecord,
    request: GovernedRequestInfo | undefined,
  ): Promise<GovernanceDecision> => {
    const proposalId = await call("approval store", decision.agentId, async () => {
      const proposal = await approvals.createProposal({
        agentId: decision.agentId,
        actionName: decision.actionName,
        complexity: decision.complexity,
        agentMaturity: "INTERN",
        requiredMaturity: decision.requiredMaturity,
        reason: decision.reason,
        ...(request ? { request } : {}),
        ...(record.tenantId ? { tenantId: record.tenantId } : {}),
        fingerprint: requestFingerprint(request),
        expiresAt: new Date(clock() + proposalTtlMs),
      });
      // Read inside the guarded call: a store returning an object whose getters throw fails closed too.
      return proposalIdSchema.parse((proposal as Partial<Proposal> | null)?.id);
    });
    return { ...decision, proposalId };
  };

  const capability = <K extends "decideProposal" | "consumeApproval">(operation: K): NonNullable<ApprovalStore[K]> => {
    const method = approvals[operation];
    if (typeof method !== "function") throw new ApprovalsUnsupportedError();
    return method.bind(approvals) as NonNullable<ApprovalStore[K]>;
  };

  const useApproval = async (
    decision: GovernanceDecision,
    approvalId: string,
    request: GovernedRequestInfo | undefined,
  ): Promise<GovernanceDecision> => {
    const consume = capability("consumeApproval");
    const now = clock();
    const { agentId, actionName, complexity } = decision;
    const fingerprint = requestFingerprint(request);
    const used = await call("approval store", agentId, async () => {
      const proposal = await consume(approvalId, {
        agentId,
        actionName,
        complexity,
        fingerprint,
        decidedAfter: new Date(now - approvalTtlMs),
        at: new Date(now),
      });
      if (proposal === null) return null;
      return { id: proposalIdSchema.parse(proposal.id), decidedBy: optionalText.parse(proposal.decidedBy) };
    });
    if (used === null) {
      return {
        ...decision,
        outcome: "deny",
        reason: `Approval ${approvalId} cannot be used by agent ${agentId} for "${actionName}" (unknown, not approved, already used, expired, or for another agent, action or request)`,
      };
    }
    return {
      ...decision,
      outcome: "allow",
      proposalId: used.id,
      reason: `Agent ${agentId} may perform "${actionName}": approved by ${used.decidedBy ?? "a reviewer"} (proposal ${used.id})`,
    };
  };

  /** The proposal a person decides, read whole inside the guarded call. */
  const proposalFor = (proposalId: string): Promise<ProposalSummary | null> =>
    call("approval store", "", async () => {
      const proposal = await approvals.getProposal(proposalId);
      return proposal === null ? null : proposalSummarySchema.parse(proposal);
    });

  /** An agent never decides its own proposal; another agent only with `allowAgentApprovers`. */
  const refuseAgentApprover = async (proposal: ProposalSummary, by: string): Promise<void> => {
    if (proposal.agentId === by) throw new ProposalApproverRefusedError({ proposal_id: proposal.id, approver: "self" });
    if (opts.allowAgentApprovers === true) return;
    const known = agentIdSchema.safeParse(by).success ? await loadAgent(by) : null;
    if (known !== null) throw new ProposalApproverRefusedError({ proposal_id: proposal.id, approver: "agent" });
  };

  const decisionEvent = (proposal: ProposalSummary, fields: Partial<GovernanceAuditEvent>): GovernanceAuditEvent => ({
    type: "proposal_decision",
    severity: "warning",
    outcome: "deny",
    agentId: proposal.agentId,
    actionName: proposal.actionName,
    complexity: toComplexity(proposal.complexity),
    agentMaturity: "INTERN",
    requiredMaturity: requiredMaturity(proposal.complexity),
    reason: "",
    proposalId: proposal.id,
    at: new Date(clock()),
    ...fields,
  });

  const decide = async (proposalId: string, input: ProposalDecisionInput, status: "approved" | "rejected") => {
    const valid = parseInput(decisionSchema, { proposalId, ...input }, `[@atom/governance] ${status === "approved" ? "approve" : "reject"}`);
    const decideProposal = capability("decideProposal");
    const proposal = await proposalFor(valid.proposalId);
    if (proposal === null) throw new ProposalNotFoundError({ proposal_id: valid.proposalId });
    try {
      await refuseAgentApprover(proposal, valid.by);
      const result = await call("approval store", proposal.agentId, async () => {
        const outcome = await decideProposal(valid.proposalId, {
          status,
          decidedBy: valid.by,
          at: new Date(clock()),
          ...(valid.note === undefined ? {} : { note: valid.note }),
        });
        if (outcome === null) return null;
        const changed = outcome.changed === true;
        const current = outcome.proposal;
        return { changed, status: String(current.status), proposal: current };
      });
      if (result === null) throw new ProposalNotFoundError({ proposal_id: valid.proposalId });
      if (!result.changed) throw new ProposalAlreadyDecidedError({ proposal_id: valid.proposalId, status: result.status });
      await emit(
        decisionEvent(proposal, {
          outcome: status,
          severity: status === "approved" ? "warning" : "info",
          reason: `Proposal ${proposal.id} ${status} by ${valid.by}`,
          decidedBy: valid.by,
        }),
      );
      return result.proposal;
    } catch (error) {
      await emit(
        decisionEvent(proposal, {
          type: "error",
          reason: isAtomError(error) ? error.message : "[@atom/governance] the decision failed",
          errorCode: isAtomError(error) ? error.code : "INTERNAL_ERROR",
          decidedBy: valid.by,
        }),
      );
      throw error;
    }
  };

  /** Allow and deny are pure functions of the cached record: memoized with it, and frozen since they are shared. */
  const decideFor = (record: AgentRecord, agentId: string, complexity: ActionComplexity, actionName: string): GovernanceDecision => {
    const known = cache.recall(agentId, record, complexity, actionName) as Memo | undefined;
    if (known !== undefined) return known.decision;
    const decision = Object.freeze(judge(record, { agentId, actionName, complexity, requiredMaturity: requiredMaturity(complexity) }));
    if (decision.outcome !== "approval_required") {
      cache.remember(agentId, record, complexity, actionName, { decision, promise: Promise.resolve(decision) } satisfies Memo);
    }
    return decision;
  };

  const bypassed = (check: PendingCheck): GovernanceDecision => ({
    agentId: check.agentId,
    actionName: check.actionName,
    complexity: check.complexity,
    requiredMaturity: requiredMaturity(check.complexity),
    outcome: "allow",
    mode: check.mode,
    agentMaturity: null,
    reason:
      check.mode === "emergency_bypass"
        ? `Emergency bypass active: "${check.actionName}" allowed without a governance check`
        : `Governance is disabled for feature "${check.feature}"`,
  });

  const decideEnforced = async (check: PendingCheck): Promise<[GovernanceDecision, AgentRecord]> => {
    const record = cache.peek(check.agentId) ?? (await getAgent(check.agentId));
    const decision = decideFor(record, check.agentId, check.complexity, check.actionName);
    if (decision.outcome !== "approval_required") return [decision, record];
    return [
      check.approvalId === undefined
        ? await propose(decision, record, check.request)
        : await useApproval(decision, check.approvalId, check.request),
      record,
    ];
  };

  const settle = async (check: PendingCheck, problem?: AtomError): Promise<GovernanceDecision> => {
    let decision: GovernanceDecision;
    let tenantId: string | null | undefined;
    try {
      if (check.mode === "enforced") {
        const [enforced, record] = await decideEnforced(check);
        decision = enforced;
        tenantId = record.tenantId;
      } else {
        decision = bypassed(check);
      }
    } catch (error) {
      if (problem) await emitProblem(check, problem, "deny");
      await emitFailure(check, error);
      throw error;
    }
    if (problem) await emitProblem(check, problem, decision.outcome);
    if (opts.audit) {
      await emit({
        type: check.mode === "enforced" ? "decision" : check.mode,
        severity: check.mode === "emergency_bypass" ? "critical" : decision.outcome === "allow" ? "info" : "warning",
        outcome: decision.outcome,
        agentId: decision.agentId,
        actionName: decision.actionName,
        complexity: decision.complexity,
        agentMaturity: decision.agentMaturity,
        requiredMaturity: decision.requiredMaturity,
        reason: decision.reason,
        feature: check.feature,
        ...(decision.proposalId ? { proposalId: decision.proposalId } : {}),
        ...(tenantId ? { tenantId } : {}),
        ...(check.request ? { request: check.request } : {}),
        at: new Date(clock()),
      });
    }
    return decision;
  };

  const emitProblem = (check: PendingCheck, problem: AtomError, outcome: GovernanceOutcome): Promise<void> =>
    emit({
      ...checkEvent(check),
      type: "misconfiguration",
      severity: "critical",
      outcome,
      agentMaturity: null,
      reason: problem.message,
      errorCode: problem.code,
      at: new Date(clock()),
    });

  const settleAfterFlags = async (check: Omit<PendingCheck, "mode">, reading: Promise<FlagReading>) => {
    const { mode, problem } = await reading;
    if (problem) reportError(problem);
    return settle({ ...check, mode }, problem);
  };

  return {
    check(input) {
      let valid: ValidCheckInput;
      try {
        valid = readCheckInput(input);
      } catch (error) {
        return Promise.reject(error);
      }
      const complexity =
        valid.complexity !== undefined ? toComplexity(valid.complexity) : complexityOf(valid.action ?? "");
      const actionName = valid.actionName ?? valid.action ?? defaultActionName(valid.request, complexity);
      const feature = valid.feature ?? "default";
      const mode = readFlags(feature);
      // The hot path: a memoized allow or deny of a cached agent, no audit sink: one map lookup, no allocation.
      if (mode === "enforced" && !opts.audit) {
        const memo = cache.recallFresh(valid.agentId, complexity, actionName) as Memo | undefined;
        if (memo !== undefined) return memo.promise;
        const cached = cache.peek(valid.agentId);
        if (cached !== undefined) {
          const decision = decideFor(cached, valid.agentId, complexity, actionName);
          if (decision.outcome !== "approval_required") return Promise.resolve(decision);
        }
      }
      const base = { agentId: valid.agentId, complexity, actionName, feature, request: valid.request, approvalId: valid.approvalId };
      return typeof mode === "string" ? settle({ ...base, mode }) : settleAfterFlags(base, mode);
    },

    async recordOutcome(agentId, success, outcomeOptions = {}) {
      const valid = parseInput(outcomeSchema, { agentId, success, ...outcomeOptions }, "[@atom/governance] recordOutcome");
      const record = await getAgent(valid.agentId);
      const baseline = isInactiveStatus(record.status) ? 0 : MATURITY_CONFIDENCE_FLOOR[record.status];
      const delta = DELTAS[valid.impact][valid.success ? "success" : "failure"];
      let confidence: number | null;
      try {
        confidence = await call("agent registry", valid.agentId, () => registry.adjustConfidence(valid.agentId, delta, baseline));
      } finally {
        cache.invalidate(valid.agentId);
      }
      if (confidence === null) throw new AgentNotFoundError({ agentId: valid.agentId });
      return confidence;
    },

    async denyUnidentified(request) {
      const input = parseInput(unidentifiedSchema, request, "[@atom/governance] denyUnidentified");
      const complexity = toComplexity(input.complexity);
      const error = unidentifiedError(input.actionName, complexity);
      await emit({
        type: "decision",
        severity: "warning",
        outcome: "deny",
        agentId: null,
        actionName: input.actionName,
        complexity,
        agentMaturity: null,
        requiredMaturity: requiredMaturity(complexity),
        reason: input.malformed === undefined ? error.message : `${error.message}: the request's ${input.malformed} is not a valid id`,
        feature: input.feature ?? "default",
        ...(input.request ? { request: { method: input.request.method, path: input.request.path } } : {}),
        at: new Date(clock()),
      });
      return error;
    },

    approve: (proposalId, input) => decide(proposalId, input, "approved"),
    reject: (proposalId, input) => decide(proposalId, input, "rejected"),
    async setStatus(agentId, status) {
      const valid = parseInput(statusInputSchema, { agentId, status }, "[@atom/governance] setStatus");
      const set = registry.setStatus;
      if (typeof set !== "function") throw new RegistryUnsupportedError();
      let found: boolean;
      try {
        found = await call("agent registry", valid.agentId, async () => (await set.call(registry, valid.agentId, valid.status)) === true);
      } finally {
        // Dropped whatever happened: a write that failed half-way must not leave a stale allow in the cache.
        cache.invalidate(valid.agentId);
      }
      if (!found) throw new AgentNotFoundError({ agentId: valid.agentId });
    },

    close: async () => {
      await watch?.close();
    },

    invalidate: (agentId) => cache.invalidate(agentId),
    complexityOf,
  };
}
