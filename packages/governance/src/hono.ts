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
import { auditedMethods, guardCovers, isGuard, markAsGuard, patternCovers, type RouteAuditEntry } from "./route-audit.js";
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
    // The pattern this guard was registered with (its own handler index), not the last route matching the URL: a
    // later catch-all may match the same URL without being the route that runs. A wildcard `use` names no single
    // route, so such a guard binds to the concrete path.
    const route = c.req.routePath;
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
 * `ALL`) and whether a governance guard checks that method. A guard counts only when it provably runs before the
 * route's handler: registered earlier (on the route itself, or `app.use`d) on a pattern that covers the route's, as
 * Hono matches it: `app.use("/admin/*", guard)` covers `/admin` and `/admin/users`, `app.use("/admin", guard)` covers
 * `/admin` only. A method and path registered more than once is guarded only when each of its handlers is (a
 * handler before the guard could answer unguarded). Fail CI on unguarded mutations.
 * @example expect(auditRoutes(app).filter((route) => !route.guarded)).toEqual([]);
 */
export function auditRoutes(app: Pick<Hono, "routes">): RouteAuditEntry[] {
  const routes = app.routes;
  const seen = new Map<string, RouteAuditEntry>();
  routes.forEach((route, index) => {
    // `app.use` middleware is registered as ALL on a wildcard path: not a route of its own.
    if (isGuard(route.handler) || (route.method === "ALL" && route.path.endsWith("*"))) return;
    const methods = route.method === "ALL" ? ["ALL"] : auditedMethods([route.method]);
    for (const method of methods) {
      // Hono runs matching handlers in registration order: only a guard registered before this handler runs first.
      const guarded = routes
        .slice(0, index)
        .some(
          (guard) =>
            (guard.method === "ALL" || guard.method === method) &&
            guardCovers(guard.handler, method) &&
            patternCovers(guard.path, route.path),
        );
      const key = `${method} ${route.path}`;
      seen.set(key, { method, path: route.path, guarded: guarded && (seen.get(key)?.guarded ?? true) });
    }
  });
  return [...seen.values()];
}

export type { RequireGovernanceOptions } from "./http.js";
export type { RouteAuditEntry } from "./route-audit.js";
