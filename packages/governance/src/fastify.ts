/**
 * Fastify helper for `@atom/governance`: `requireGovernance(options)` makes a `preHandler` that checks agents on
 * POST/PUT/PATCH/DELETE and throws denials, so the `@atom/errors/fastify` plugin renders them (403
 * `GOVERNANCE_DENIED`, 202 `GOVERNANCE_APPROVAL_REQUIRED`, 404 `AGENT_NOT_FOUND`, 503 `GOVERNANCE_UNAVAILABLE`).
 *
 * @example
 * ```ts
 * import Fastify from "fastify";
 * import { atomErrors } from "@atom/errors/fastify";
 * import { requireGovernance } from "@atom/governance/fastify";
 *
 * await app.register(atomErrors);
 * app.post("/emails", { preHandler: requireGovernance({ governance, action: "send_email", feature: "email" }) }, sendEmail);
 * ```
 * @packageDocumentation
 */
import type { FastifyRequest } from "fastify";
import { type RequireGovernanceOptions, requireGovernance as createGuard } from "./http.js";
import type { GovernanceDecision } from "./types.js";

/** A Fastify `preHandler` hook. */
export type FastifyGovernancePreHandler = (request: FastifyRequest) => Promise<void>;

const decisions = new WeakMap<FastifyRequest, GovernanceDecision>();

/**
 * A `preHandler` that lets only mature-enough agents through. Read the allow decision with
 * {@link governanceDecision}.
 * @throws {ValidationError} at creation when the options are invalid
 */
export function requireGovernance(options: RequireGovernanceOptions<FastifyRequest>): FastifyGovernancePreHandler {
  const guard = createGuard(options);
  return async function governancePreHandler(request) {
    const query = (typeof request.query === "object" && request.query !== null ? request.query : {}) as Record<
      string,
      unknown
    >;
    const decision = await guard({
      method: request.method,
      path: request.url.split("?")[0] ?? "/",
      header: (name) => request.headers[name],
      query: (name) => query[name],
      body: () => request.body,
      raw: request,
    });
    if (decision) decisions.set(request, decision);
  };
}

/** The allow decision for this request, or `undefined` when no check applied (other methods, or a person). */
export function governanceDecision(request: FastifyRequest): GovernanceDecision | undefined {
  return decisions.get(request);
}

export type { RequireGovernanceOptions } from "./http.js";
