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
import type { Context, MiddlewareHandler } from "hono";
import { type RequireGovernanceOptions, requireGovernance as createGuard } from "./http.js";
import type { GovernanceDecision } from "./types.js";

/** The context variable holding the allow decision: `c.get("governance")`. */
export interface GovernanceVariables {
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
): MiddlewareHandler<{ Variables: GovernanceVariables }> {
  const guard = createGuard(options);
  return async function governanceMiddleware(c, next) {
    let body: Promise<unknown> | undefined;
    const decision = await guard({
      method: c.req.method,
      path: c.req.path,
      header: (name) => c.req.header(name),
      query: (name) => c.req.query(name),
      body: () => (body ??= jsonBodyOrUndefined(c)),
      raw: c,
    });
    if (decision) c.set("governance", decision);
    await next();
  };
}

export type { RequireGovernanceOptions } from "./http.js";
