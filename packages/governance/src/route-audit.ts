import { GOVERNED_METHODS } from "./http.js";

/** One state-changing route as listed by a host's `auditRoutes`. */
export interface RouteAuditEntry {
  /** Upper-case method (`POST`). */
  method: string;
  /** The route path as registered (`/emails/:id`). */
  path: string;
  /** Whether a governance guard runs for this method and path. */
  guarded: boolean;
}

const GUARD = Symbol.for("@atom/governance.guard");

/** Marks a host middleware as a governance guard, so `auditRoutes` can find it. @internal */
export function markGuard<F extends object>(fn: F): F {
  Object.defineProperty(fn, GUARD, { value: true });
  return fn;
}

/** True when `fn` was made by a `requireGovernance` host helper. @internal */
export function isGuard(fn: unknown): boolean {
  return typeof fn === "function" && (fn as unknown as Record<symbol, unknown>)[GUARD] === true;
}

/** The methods `auditRoutes` lists: those governance checks by default. @internal */
export function auditedMethods(methods: Iterable<string>): string[] {
  const wanted = new Set(GOVERNED_METHODS);
  return [...new Set([...methods].map((m) => m.toUpperCase()))].filter((m) => wanted.has(m));
}

/**
 * Whether a middleware mounted at `mount` (`*`, `/*`, `/admin/*`, `/admin`) covers `path`. @internal
 */
export function mountCovers(mount: string, path: string): boolean {
  if (mount === "*" || mount === "/*" || mount === "/" || mount === "") return true;
  const prefix = mount.endsWith("/*") ? mount.slice(0, -2) : mount;
  return path === prefix || path.startsWith(`${prefix}/`);
}
