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
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type RequireGovernanceOptions, requireGovernance as createGuard } from "./http.js";
import { auditedMethods, guardCovers, isEveryMethod, markAsGuard, type RouteAuditEntry } from "./route-audit.js";
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
  return markAsGuard(guard, async function governancePreHandler(request) {
    const query = (typeof request.query === "object" && request.query !== null ? request.query : {}) as Record<
      string,
      unknown
    >;
    const route = request.routeOptions?.url;
    const decision = await guard({
      method: request.method,
      path: request.url.split("?")[0] ?? "/",
      ...(typeof route === "string" ? { route } : {}),
      header: (name) => request.headers[name],
      query: (name) => query[name],
      body: () => request.body,
      raw: request,
    });
    if (decision) decisions.set(request, decision);
  });
}

/**
 * Starts recording the routes of a Fastify instance (call it before declaring routes and registering plugins; it adds
 * an `onRoute` hook, which plugins inherit) and returns a function listing every state-changing route (every method
 * but GET, HEAD and OPTIONS; `app.all` routes as method `ALL`), with its plugin prefix, and whether a route-level
 * governance hook (`preHandler`, `onRequest`, `preValidation`) checks that method. Guards added with `addHook` on a
 * plugin are not seen: such routes are listed as unguarded. Fail CI on unguarded mutations.
 * @example
 * ```ts
 * const routes = auditRoutes(app);
 * app.post("/emails", { preHandler: requireGovernance({ governance, action: "send_email", resolveAgentId }) }, sendEmail);
 * await app.ready();
 * expect(routes().filter((route) => !route.guarded)).toEqual([]);
 * ```
 */
export function auditRoutes(app: Pick<FastifyInstance, "addHook">): () => RouteAuditEntry[] {
  const entries: RouteAuditEntry[] = [];
  app.addHook("onRoute", (route) => {
    const hooks = [route.preHandler, route.onRequest, route.preValidation].flat();
    const declared = Array.isArray(route.method) ? route.method : [route.method];
    const methods = isEveryMethod(declared) ? ["ALL"] : auditedMethods(declared);
    for (const method of methods) {
      entries.push({ method, path: route.url, guarded: hooks.some((hook) => guardCovers(hook, method)) });
    }
  });
  return () => entries.map((entry) => ({ ...entry }));
}

/** The allow decision for this request, or `undefined` when no check applied (other methods, or a person). */
export function governanceDecision(request: FastifyRequest): GovernanceDecision | undefined {
  return decisions.get(request);
}

export type { RequireGovernanceOptions } from "./http.js";
export type { RouteAuditEntry } from "./route-audit.js";
