/** The maturity levels of an active agent, least to most trusted. */
export const AGENT_MATURITIES = ["STUDENT", "INTERN", "SUPERVISED", "AUTONOMOUS"] as const;

/** How far an active agent is trusted: `STUDENT < INTERN < SUPERVISED < AUTONOMOUS`. */
export type AgentMaturity = (typeof AGENT_MATURITIES)[number];

/**
 * Maturity levels as named constants, so call sites read `AgentMaturity.INTERN`.
 * @example if (decision.agentMaturity === AgentMaturity.INTERN) notifyReviewer();
 */
export const AgentMaturity = {
  /** New or unproven: LOW actions only. */
  STUDENT: "STUDENT",
  /** MODERATE actions; above that, proposals for a human to approve. */
  INTERN: "INTERN",
  /** HIGH actions. */
  SUPERVISED: "SUPERVISED",
  /** Every action, CRITICAL included. */
  AUTONOMOUS: "AUTONOMOUS",
} as const satisfies { readonly [K in AgentMaturity]: K };

/** Statuses of an agent that may not act at all: every check for such an agent is denied. */
export const INACTIVE_STATUSES = ["PAUSED", "STOPPED", "DEPRECATED", "DELETED"] as const;

/** A status under which an agent is always denied. */
export type InactiveStatus = (typeof INACTIVE_STATUSES)[number];

/** What a registry stores for an agent: a maturity level, or an inactive status. */
export type AgentStatus = AgentMaturity | InactiveStatus;

/** The rank of a maturity level (STUDENT 0 … AUTONOMOUS 3), for comparisons. */
export function maturityRank(maturity: AgentMaturity): number {
  return AGENT_MATURITIES.indexOf(maturity);
}

/** True when `status` is one of {@link INACTIVE_STATUSES}. */
export function isInactiveStatus(status: AgentStatus): status is InactiveStatus {
  return (INACTIVE_STATUSES as readonly string[]).includes(status);
}

/**
 * The highest maturity a confidence score allows: below 0.5 STUDENT, below 0.7 INTERN, below 0.9 SUPERVISED,
 * else AUTONOMOUS.
 * @example maturityFromConfidence(0.72) // "SUPERVISED"
 */
export function maturityFromConfidence(confidence: number): AgentMaturity {
  if (confidence < 0.5) return "STUDENT";
  if (confidence < 0.7) return "INTERN";
  if (confidence < 0.9) return "SUPERVISED";
  return "AUTONOMOUS";
}

/** The lowest confidence score of each maturity level: where a score starts when an agent has none yet. */
export const MATURITY_CONFIDENCE_FLOOR: { readonly [K in AgentMaturity]: number } = {
  STUDENT: 0,
  INTERN: 0.5,
  SUPERVISED: 0.7,
  AUTONOMOUS: 0.9,
};

/**
 * The maturity an active agent acts with: its stored maturity, lowered to what its confidence score allows when the
 * status claims more than the score (a tampered or stale status never raises trust).
 * @example effectiveMaturity("AUTONOMOUS", 0.6) // "INTERN"
 */
export function effectiveMaturity(status: AgentMaturity, confidence?: number | null): AgentMaturity {
  if (confidence === undefined || confidence === null) return status;
  const scored = maturityFromConfidence(confidence);
  return maturityRank(scored) < maturityRank(status) ? scored : status;
}
