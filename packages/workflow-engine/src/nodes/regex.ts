import { RE2JS } from "re2js";

/** Longest accepted `matches` pattern; longer patterns are refused at validation and at run time. */
export const MAX_PATTERN_LENGTH = 200;
/** Longest string a `matches` test runs on; longer values are a node error. */
export const MAX_MATCH_INPUT = 10_000;

// Compiling costs far more than matching (tens of µs), and a workflow tests the same few patterns over and over.
const CACHE_SIZE = 256;
const cache = new Map<string, RE2JS>();

/**
 * Compiles a user pattern for the linear-time RE2 engine (`re2js`): no backtracking, so no input can make a test
 * slower than linear in its length. RE2 syntax is the JavaScript syntax without lookaround and backreferences.
 * User patterns never reach the backtracking `RegExp` engine.
 * @throws the engine's syntax error when the pattern is not valid RE2.
 * @internal
 */
export function compilePattern(pattern: string, ignoreCase: boolean): RE2JS {
  const key = ignoreCase ? `i${pattern}` : `-${pattern}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, compiled);
  }
  return compiled;
}

/**
 * Why a pattern cannot run, or `undefined` when it can.
 * @internal
 */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    compilePattern(pattern, false);
    return undefined;
  } catch {
    return "invalid regular expression (RE2 syntax: no lookaround or backreferences)";
  }
}

/**
 * Unanchored search, as `RegExp#test`.
 * @internal
 */
export function testPattern(pattern: string, ignoreCase: boolean, subject: string): boolean {
  return compilePattern(pattern, ignoreCase).matcher(subject).find();
}
