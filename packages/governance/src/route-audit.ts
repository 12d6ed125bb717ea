import { SAFE_METHODS } from "./methods.js";

/** One state-changing route as listed by a host's `auditRoutes`. */
export interface RouteAuditEntry {
  /**
   * Upper-case method (`POST`, `PURGE`…), or `ALL` for a route that answers every method (`app.all`): such a route is
   * guarded only by a guard with `methods: ["*"]`, since the default guard lets uncommon methods through.
   */
  method: string;
  /** The route path as registered, with its mount prefix (`/api/emails/:id`). */
  path: string;
  /** Whether a governance guard checks this method on this path. */
  guarded: boolean;
}

const GUARD = Symbol.for("@atom/governance.guard");

/** Marks a host middleware as a governance guard checking `methods` (`*`: all), for `auditRoutes`. @internal */
export function markGuard<F extends object>(fn: F, methods: readonly string[]): F {
  Object.defineProperty(fn, GUARD, { value: new Set(methods.map((m) => m.toUpperCase())) });
  return fn;
}

/** The methods a guard made by a `requireGovernance` helper checks, or `undefined` for anything else. @internal */
export function guardMethods(fn: unknown): ReadonlySet<string> | undefined {
  if (typeof fn !== "function") return undefined;
  const methods = (fn as unknown as Record<symbol, unknown>)[GUARD];
  return methods instanceof Set ? (methods as ReadonlySet<string>) : undefined;
}

/** True when `fn` was made by a `requireGovernance` host helper. @internal */
export function isGuard(fn: unknown): boolean {
  return guardMethods(fn) !== undefined;
}

/** Whether the guard `fn` checks `method` (`ALL`: only a guard for every method does). @internal */
export function guardCovers(fn: unknown, method: string): boolean {
  const methods = guardMethods(fn);
  if (methods === undefined) return false;
  return methods.has("*") || (method !== "ALL" && methods.has(method));
}

/** The methods `auditRoutes` lists: every method but GET, HEAD and OPTIONS, upper-case, once. @internal */
export function auditedMethods(methods: Iterable<string>): string[] {
  return [...new Set([...methods].map((m) => m.toUpperCase()))].filter((m) => !SAFE_METHODS.has(m));
}

/** Whether a method list is the one a host's `all` registers (every common method at once). @internal */
export function isEveryMethod(methods: Iterable<string>): boolean {
  const set = new Set([...methods].map((m) => m.toUpperCase()));
  return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].every((m) => set.has(m));
}

/** Characters with a meaning in Express or Hono path patterns: a path holding none matches only itself. */
const PATTERN_SYNTAX = /[:*?{}()[\]+!\\]/;

const isStatic = (path: string): boolean => !PATTERN_SYNTAX.test(path);

const withoutTrailingSlash = (path: string): string => (path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path);

/** Whether `path` can only match requests under the static `prefix` (itself, or below it after a `/`). */
const under = (prefix: string, path: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Whether middleware `use`d at `mount` on Express, which matches by prefix, provably runs for every request the route
 * pattern `path` matches: a root mount, the same pattern, or a static mount (`/admin`) the route lies under
 * (`/admin`, `/admin/users/:id`). A mount with parameters or a pattern covers only its own pattern: fail closed.
 * @internal
 */
export function prefixCovers(mount: string, path: string): boolean {
  if (mount === "/" || mount === "") return true;
  if (mount === path) return true;
  return isStatic(mount) && under(withoutTrailingSlash(mount), path);
}

/**
 * Whether a Hono guard registered at the pattern `guard`, which Hono matches like a route (exactly, unless it ends
 * with a wildcard), provably runs for every request the route pattern `path` matches: the same pattern, `*` or `/*`,
 * or a static prefix with a trailing wildcard (`/admin/*`) the route lies under (`/admin`, `/admin/users/:id`).
 * `app.use("/admin", guard)` covers `/admin` only, never `/admin/users`.
 * @internal
 */
export function patternCovers(guard: string, path: string): boolean {
  if (guard === path || guard === "*" || guard === "/*") return true;
  if (!guard.endsWith("/*")) return false;
  const prefix = guard.slice(0, -2);
  return isStatic(prefix) && under(prefix, path);
}

/** Marks `fn` as checking the same methods as the framework-agnostic `guard` it wraps. @internal */
export function markAsGuard<F extends object>(guard: unknown, fn: F): F {
  return markGuard(fn, [...(guardMethods(guard) ?? [])]);
}
