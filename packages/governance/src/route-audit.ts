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

/**
 * Whether a middleware mounted at `mount` (`*`, `/*`, `/admin/*`, `/admin`) covers `path`. @internal
 */
export function mountCovers(mount: string, path: string): boolean {
  if (mount === "*" || mount === "/*" || mount === "/" || mount === "") return true;
  const prefix = mount.endsWith("/*") ? mount.slice(0, -2) : mount;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Marks `fn` as checking the same methods as the framework-agnostic `guard` it wraps. @internal */
export function markAsGuard<F extends object>(guard: unknown, fn: F): F {
  return markGuard(fn, [...(guardMethods(guard) ?? [])]);
}
