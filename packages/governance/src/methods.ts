/** The methods checked by default; every other method (GET, HEAD, OPTIONS…) passes without a registry call. */
export const GOVERNED_METHODS: readonly string[] = ["POST", "PUT", "PATCH", "DELETE"];

/** Methods `auditRoutes` never lists: they should not change state. @internal */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
