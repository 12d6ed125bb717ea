import { randomUUID } from "node:crypto";
import { parseInput } from "@atom/errors";
import { agentRecordSchema, clockOptionSchema } from "./schemas.js";
import type { AgentChangeListener, AgentRecord, AgentRegistry, ApprovalStore, Proposal, ProposalInput } from "./types.js";

/** An in-memory {@link AgentRegistry} with `upsert` and `delete`, for tests and single-process apps. */
export interface MemoryAgentRegistry extends Required<AgentRegistry> {
  /** Adds or replaces an agent. @throws {ValidationError} naming the bad field */
  upsert(agent: AgentRecord): void;
  /** Removes an agent; returns whether it existed. */
  delete(agentId: string): boolean;
}

const statusSchema = agentRecordSchema.shape.status;

/**
 * An in-memory agent registry. Every change (`upsert`, `delete`, `setStatus`, `adjustConfidence`) is reported to
 * its watchers, so every gate over it sees the change at once.
 * @example
 * ```ts
 * const registry = memoryAgentRegistry([{ id: "agent-7", status: "INTERN", confidence: 0.6 }]);
 * registry.upsert({ id: "agent-8", status: "AUTONOMOUS" });
 * ```
 */
export function memoryAgentRegistry(agents: readonly AgentRecord[] = []): MemoryAgentRegistry {
  const byId = new Map<string, AgentRecord>();
  const listeners = new Set<AgentChangeListener>();
  const changed = (agentId: string) => {
    for (const listener of listeners) listener(agentId);
  };
  const upsert = (agent: AgentRecord) => {
    const valid = parseInput(agentRecordSchema, agent, "[@atom/governance] memoryAgentRegistry.upsert");
    byId.set(valid.id, { ...valid });
    changed(valid.id);
  };
  for (const agent of agents) upsert(agent);
  return {
    upsert,
    delete(agentId) {
      const existed = byId.delete(agentId);
      if (existed) changed(agentId);
      return existed;
    },
    async getAgent(agentId) {
      const agent = byId.get(agentId);
      return agent ? { ...agent } : null;
    },
    async adjustConfidence(agentId, delta, baseline) {
      const agent = byId.get(agentId);
      if (!agent) return null;
      agent.confidence = Math.min(1, Math.max(0, (agent.confidence ?? baseline) + delta));
      changed(agentId);
      return agent.confidence;
    },
    async setStatus(agentId, status) {
      const valid = parseInput(statusSchema, status, "[@atom/governance] memoryAgentRegistry.setStatus");
      const agent = byId.get(agentId);
      if (!agent) return false;
      agent.status = valid;
      changed(agentId);
      return true;
    },
    watch(listener) {
      listeners.add(listener);
      return { ready: Promise.resolve(true), close: async () => void listeners.delete(listener) };
    },
  };
}

/** An in-memory {@link ApprovalStore} that also lists proposals. */
export interface MemoryApprovalStore extends Required<ApprovalStore> {
  /** Every proposal, oldest first, as {@link ApprovalStore.getProposal} would return it. */
  list(): Proposal[];
}

const pendingKey = (p: ProposalInput) => JSON.stringify([p.agentId, p.actionName, p.complexity, p.fingerprint]);

/**
 * An in-memory approval store. Proposals are lost on restart: use `postgresApprovalStore` in production.
 * @param options.clock the time proposals are stamped with, and expire by @default () => new Date()
 */
export function memoryApprovalStore(options: { clock?: () => Date } = {}): MemoryApprovalStore {
  const clock =
    parseInput(clockOptionSchema, options, "[@atom/governance] memoryApprovalStore").clock ?? (() => new Date());
  const proposals = new Map<string, Proposal>();
  /** The pending proposal of each agent, action, complexity and fingerprint. */
  const pending = new Map<string, string>();
  const view = (proposal: Proposal, at: Date = clock()): Proposal =>
    proposal.status === "pending" && proposal.expiresAt <= at ? { ...proposal, status: "expired" } : { ...proposal };
  const settle = (proposal: Proposal) => {
    const key = pendingKey(proposal);
    if (pending.get(key) === proposal.id) pending.delete(key);
  };
  return {
    list: () => [...proposals.values()].map((proposal) => view(proposal)),
    async createProposal(input: ProposalInput) {
      const now = clock();
      const key = pendingKey(input);
      const existing = proposals.get(pending.get(key) ?? "");
      if (existing && view(existing, now).status === "pending") return { ...existing };
      const proposal: Proposal = { ...input, id: randomUUID(), status: "pending", createdAt: now };
      proposals.set(proposal.id, proposal);
      pending.set(key, proposal.id);
      return { ...proposal };
    },
    async getProposal(id) {
      const proposal = proposals.get(id);
      return proposal ? view(proposal) : null;
    },
    async decideProposal(id, decision) {
      const proposal = proposals.get(id);
      if (!proposal) return null;
      const current = view(proposal, decision.at);
      if (current.status !== "pending") return { proposal: current, changed: false };
      const decided: Proposal = {
        ...proposal,
        status: decision.status,
        decidedBy: decision.decidedBy,
        decidedAt: decision.at,
        ...(decision.note === undefined ? {} : { note: decision.note }),
      };
      proposals.set(id, decided);
      settle(decided);
      return { proposal: { ...decided }, changed: true };
    },
    async consumeApproval(id, use) {
      const proposal = proposals.get(id);
      const usable =
        proposal?.status === "approved" &&
        proposal.agentId === use.agentId &&
        proposal.actionName === use.actionName &&
        proposal.complexity === use.complexity &&
        proposal.fingerprint === use.fingerprint &&
        proposal.decidedAt !== undefined &&
        proposal.decidedAt > use.decidedAfter;
      if (!usable) return null;
      const used: Proposal = { ...proposal, status: "used", usedAt: use.at };
      proposals.set(id, used);
      return { ...used };
    },
  };
}
