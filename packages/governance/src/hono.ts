/**
 * Hono helper for `@atom/governance`: `requireGovernance(options)` is middleware that checks agents on
 * POST/PUT/PATCH/DELETE and throws denials, so `@atom/errors/hono`' `errorHandler()` renders them (403
 * `GOVERNANCE_DENIED`, 202 `GOVERNANCE_APPROVAL_REQUIRED`, 404 `AGENT_NOT_FOUND`, 503 `GOVERNANCE_UNAVAILABLE`).
 * It reads a JSON body only when neither the header nor the query holds the agent id; the route can still read it.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { errorHandler } from "@atom/errors/hono";
 * import { requireGovernance } from "@atom/governance/hono";
 *
 * app.post("/emails", requireGovernance({ governance, action: "send_email", feature: "email" }), sendEmail);
 * app.onError(errorHandler());
 * ```
 * @packageDocumentation
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { type RequireGovernanceOptions, requireGovernance as createGuard } from "./http.js";
import { auditedMethods, guardCovers, isGuard, markAsGuard, mountCovers, type RouteAuditEntry } from "./route-audit.js";
import type { GovernanceDecision } from "./types.js";

/** The Hono environment {@link requireGovernance} declares: `c.get("governance")` is typed. */
export interface GovernanceEnv {
  /** The context variables the guard sets. */
  Variables: GovernanceVariables;
}

/** The context variable holding the allow decision: `c.get("governance")`. */
export interface GovernanceVariables {
  /** The allow decision, absent when no check applied (other methods, or a person). */
  governance?: GovernanceDecision;
}

async function jsonBodyOrUndefined(c: Context): Promise<unknown> {
  if (!(c.req.header("content-type") ?? "").includes("json")) return undefined;
  try {
    return JSON.parse(await c.req.text());
  } catch {
    // A malformed body holds no agent id; the route's own parsing reports it.
    return undefined;
  }
}

/**
 * Middleware that lets only mature-enough agents through. On an allow, the decision is in `c.get("governance")`.
 * @throws {ValidationError} at creation when the options are invalid
 */
export function requireGovernance(
  options: RequireGovernanceOptions<Context>,
): MiddlewareHandler<GovernanceEnv> {
  const guard = createGuard(options);
  return markAsGuard(guard, async function governanceMiddleware(c, next) {
    let body: Promise<unknown> | undefined;
    const route = c.req.matchedRoutes.at(-1)?.path;
    const decision = await guard({
      method: c.req.method,
      path: c.req.path,
      ...(route === undefined || route.includes("*") ? {} : { route }),
      header: (name) => c.req.header(name),
      query: (name) => {
        // Every value, so that a repeated parameter is refused here as on Express and Fastify.
        const all = c.req.queries(name);
        return all !== undefined && all.length === 1 ? all[0] : all;
      },
      body: () => (body ??= jsonBodyOrUndefined(c)),
      raw: c,
    });
    if (decision) c.set("governance", decision);
    await next();
  });
}

/**
 * Lists every state-changing route of a Hono app (every method but GET, HEAD and OPTIONS; `app.all` routes as method
 * `ALL`) and whether a governance guard checks that method (on the route, or `app.use`d on a covering path). Fail CI
 * on unguarded mutations.
 * @example expect(auditRoutes(app).filter((route) => !route.guarded)).toEqual([]);
 */
export function auditRoutes(app: Pick<Hono, "routes">): RouteAuditEntry[] {
  const guards = app.routes.filter((route) => isGuard(route.handler));
  const seen = new Map<string, RouteAuditEntry>();
  for (const route of app.routes) {
    // `app.use` middleware is registered as ALL on a wildcard path: not a route of its own.
    if (isGuard(route.handler) || (route.method === "ALL" && route.path.endsWith("*"))) continue;
    const methods = route.method === "ALL" ? ["ALL"] : auditedMethods([route.method]);
    for (const method of methods) {
      const guarded = guards.some(
        (guard) =>
          (guard.method === "ALL" || guard.method === method) &&
          (guard.path === route.path || mountCovers(guard.path, route.path)) &&
          guardCovers(guard.handler, method),
      );
      seen.set(`${method} ${route.path}`, { method, path: route.path, guarded });
    }
  }
  return [...seen.values()];
}

export type { RequireGovernanceOptions } from "./http.js";
export type { RouteAuditEntry } from "./route-audit.js";
