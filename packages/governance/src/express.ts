/**
 * Express helper for `@atom/governance`: `requireGovernance(options)` is route middleware that checks agents on
 * POST/PUT/PATCH/DELETE and passes denials to `next(error)`, so `@atom/errors/express`' `errorHandler()` renders
 * them (403 `GOVERNANCE_DENIED`, 202 `GOVERNANCE_APPROVAL_REQUIRED`, 404 `AGENT_NOT_FOUND`, 503
 * `GOVERNANCE_UNAVAILABLE`). Register `express.json()` before it to read `agent_id` from JSON bodies.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { errorHandler } from "@atom/errors/express";
 * import { requireGovernance } from "@atom/governance/express";
 *
 * app.post("/emails", requireGovernance({ governance, action: "send_email", feature: "email" }), sendEmail);
 * app.use(errorHandler());
 * ```
 * @packageDocumentation
 */
import { type RequireGovernanceOptions, requireGovernance as createGuard } from "./http.js";
import { auditedMethods, guardCovers, isEveryMethod, isGuard, markAsGuard, prefixCovers, type RouteAuditEntry } from "./route-audit.js";
import type { GovernanceDecision } from "./types.js";

/** The parts of an Express request the middleware reads. */
export interface ExpressGovernedRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query string, relative to `baseUrl`. */
  path: string;
  /** Where the router handling the request is mounted (`""` at the root). */
  baseUrl?: string;
  /** The matched route, inside route middleware. */
  route?: {
    /** The route's pattern (`/emails/:id`). */
    path?: unknown;
  };
  /** Request headers, names lower-case. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed query string. */
  query?: unknown;
  /** Parsed body (`express.json()`), if any. */
  body?: unknown;
}

/** The parts of an Express response the middleware writes: the allow decision goes to `res.locals.governance`. */
export interface ExpressGovernedResponse {
  /** Where the allow decision is stored, as `governance`. */
  locals: Record<string, unknown>;
}

/** An Express middleware. */
export type ExpressGovernanceMiddleware = (
  req: ExpressGovernedRequest,
  res: ExpressGovernedResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Route middleware that lets only mature-enough agents through. On an allow, the decision is in
 * `res.locals.governance` (absent when no check applied: other methods, or a person).
 * @throws {ValidationError} at creation when the options are invalid
 */
export function requireGovernance(
  options: RequireGovernanceOptions<ExpressGovernedRequest>,
): ExpressGovernanceMiddleware {
  const guard = createGuard(options);
  return markAsGuard(guard, function governanceMiddleware(req, res, next) {
    const query = (typeof req.query === "object" && req.query !== null ? req.query : {}) as Record<string, unknown>;
    const base = typeof req.baseUrl === "string" ? req.baseUrl : "";
    const route = typeof req.route?.path === "string" ? base + req.route.path : undefined;
    guard({
      method: req.method,
      path: base + req.path,
      ...(route === undefined ? {} : { route }),
      header: (name) => req.headers[name],
      query: (name) => query[name],
      body: () => req.body,
      raw: req,
    }).then((decision: GovernanceDecision | null) => {
      if (decision) res.locals.governance = decision;
      next();
    }, next);
  });
}

interface ExpressLayerLike {
  handle?: unknown;
  name?: string;
  rawPath?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean>; stack?: { handle?: unknown; method?: string }[] };
}

/** The parts of an Express 5 application `auditRoutes` reads. */
export interface ExpressAppLike {
  /** Express 5's root router, whose layers are walked. */
  router?: {
    /** The router's layers: middleware, routes and nested routers, in order. */
    stack?: unknown[];
  };
}

const join = (prefix: string, path: string) => (prefix === "" || prefix === "/" ? path : path === "/" ? prefix : prefix + path);

/**
 * Lists every state-changing route of an Express 5 app (every method but GET, HEAD and OPTIONS; `app.all` routes as
 * method `ALL`), including routes of nested routers with their mount path, and whether a governance guard checks it
 * for that method. A guard counts only when it provably runs before the route's handlers: `use`d before the route on
 * a covering path (a static prefix such as `/admin`, or the root), or on the route before its other handlers. A
 * route with several paths (`app.post(["/a", "/b"], ...)`) is listed once per path; a regular-expression path (or
 * mount) is covered only by the route's own guard or one covering its whole router. Fail CI on unguarded mutations.
 * @example
 * ```ts
 * const unguarded = auditRoutes(app).filter((route) => !route.guarded);
 * if (unguarded.length > 0) throw new Error(`unguarded: ${unguarded.map((r) => `${r.method} ${r.path}`).join(", ")}`);
 * ```
 */
export function auditRoutes(app: ExpressAppLike): RouteAuditEntry[] {
  const entries: RouteAuditEntry[] = [];
  walk((app.router?.stack ?? []) as ExpressLayerLike[], "", [], entries, 0);
  return entries;
}

interface Mounted {
  path: string;
  guard: unknown;
}

/** A path as Express was given it: a string pattern, or a regular expression (listed as its source, proving nothing). */
interface LayerPath {
  path: string;
  pattern: boolean;
}

/** The paths a layer is mounted or routed at: one per element of an array path. */
function layerPaths(path: unknown): LayerPath[] {
  const all = Array.isArray(path) ? (path as unknown[]).flat(Infinity) : [path];
  return all.map((one) => (typeof one === "string" ? { path: one, pattern: true } : { path: String(one), pattern: false }));
}

/**
 * Whether a guard among the route's own handlers runs before any other handler for `method`: a handler before it
 * could answer (or skip to the next route) unguarded. A guard that does not check `method` lets it through.
 */
function routeGuards(inner: readonly { handle?: unknown; method?: string }[], method: string): boolean {
  for (const handler of inner) {
    if (method !== "ALL" && handler.method !== undefined && handler.method.toUpperCase() !== method) continue;
    if (guardCovers(handler.handle, method)) return true;
    if (!isGuard(handler.handle)) return false;
  }
  return false;
}

/** Whether a mounted guard runs for every request the router at `prefix` handles. */
const coversRouter = (mount: Mounted, prefix: string): boolean => prefixCovers(mount.path, prefix === "" ? "/" : prefix);

function walk(stack: ExpressLayerLike[], prefix: string, inherited: Mounted[], entries: RouteAuditEntry[], depth: number): void {
  // Bounded: routers nest a few levels; a cycle (a router mounted in itself) stops here.
  if (depth > 32) return;
  const mounted = [...inherited];
  for (const layer of stack) {
    if (!layer.route) {
      const nested = (layer.handle as { stack?: unknown } | undefined)?.stack;
      const at = layer.rawPath === undefined ? [{ path: "/", pattern: true }] : layerPaths(layer.rawPath);
      for (const { path, pattern } of at) {
        // A guard mounted at a regular expression covers nothing provably.
        if (isGuard(layer.handle)) {
          if (pattern) mounted.push({ path: join(prefix, path), guard: layer.handle });
        } else if (Array.isArray(nested)) {
          // Below a regular-expression mount, only the guards covering this whole router are known to run.
          const parents = pattern ? mounted : mounted.filter((mount) => coversRouter(mount, prefix));
          walk(nested as ExpressLayerLike[], join(prefix, path), parents, entries, depth + 1);
        }
      }
      continue;
    }
    const inner = layer.route.stack ?? [];
    // `app.all` registers the route for every method Node knows, PURGE included.
    const declared = Object.keys(layer.route.methods ?? {});
    const methods = isEveryMethod(declared) ? ["ALL"] : auditedMethods(declared);
    for (const { path: own, pattern } of layerPaths(layer.route.path)) {
      const path = join(prefix, own);
      for (const method of methods) {
        const guarded =
          mounted.some(
            (mount) => (pattern ? prefixCovers(mount.path, path) : coversRouter(mount, prefix)) && guardCovers(mount.guard, method),
          ) || routeGuards(inner, method);
        entries.push({ method, path, guarded });
      }
    }
  }
}
export type { RequireGovernanceOptions } from "./http.js";
export type { RouteAuditEntry } from "./route-audit.js";
