import { RE2JS } from "re2js";
import { BoundedCache } from "../bounded-cache.js";

/** Longest accepted `matches` pattern; longer patterns are refused at validation and at run time. */
export const MAX_PATTERN_LENGTH = 200;
/** Longest string a `matches` test runs on; longer values are a node error. */
export const MAX_MATCH_INPUT = 10_000;
/**
 * Most instructions a compiled `matches` pattern may have (`re2js` program size, about one per literal character
 * or class plus one or two per repetition). Repeats multiply: `(?:a?){1000}` alone is 2,003. Larger programs are
 * refused at validation and at run time.
 */
export const MAX_PATTERN_PROGRAM = 1_000;
/**
 * Work one node execution (a `condition`, or a `filter` over all its items) may spend evaluating conditions.
 * `matches` charges program instructions × (subject characters + 1), plus each distinct pattern's compile
 * (8,000 + 40 per instruction): RE2's matching is linear in subject × program. Every other operator charges the
 * characters and values it reads: one per test, plus the strings it lowercases (`ignoreCase`) or searches, the
 * JSON size of objects `equals` compares, and every entry of an `in` list or an array `contains` scans. So this
 * bounds the node's time whatever the operators and however many tests or items.
 */
export const MAX_MATCH_WORK = 5_000_000;

const COMPILE_WORK_BASE = 8_000;
const COMPILE_WORK_PER_INSTRUCTION = 40;

// Compiling costs far more than matching (tens of µs), and a workflow tests the same few patterns over and over.
const cache = new BoundedCache<RE2JS>(256);

const cacheKey = (pattern: string, ignoreCase: boolean) => (ignoreCase ? `i${pattern}` : `-${pattern}`);

/**
 * Compiles a user pattern for the linear-time RE2 engine (`re2js`): no backtracking, so no input can make a test
 * slower than linear in its length. RE2 syntax is the JavaScript syntax without lookaround and backreferences.
 * User patterns never reach the backtracking `RegExp` engine.
 * @throws the engine's syntax error when the pattern is not valid RE2.
 * @internal
 */
export function compilePattern(pattern: string, ignoreCase: boolean): RE2JS {
  return cache.get(cacheKey(pattern, ignoreCase), () => RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0));
}

// Compiling is linear in the program too (about 1 µs an instruction, 0.3 s for the 32,000 that 196 characters of
// `(?:a?){1000}` make), so a pattern whose estimate is far past the cap is refused without compiling it.
const ESTIMATE_SLACK = 5;
const REPEAT = /^\{(\d+)(,(\d*))?\}/;

/**
 * A cheap estimate of the program `pattern` compiles to, within a small factor of `programSize()`: atoms count
 * one, a quantifier adds one, `{n,m}` multiplies what it repeats by `max(n, m)`, a group adds two.
 * It reads RE2 syntax only as far as sizes need; the compile that follows refuses what is not valid.
 * @internal
 */
export function estimatedProgramSize(pattern: string): number {
  // Per open group: the size of its finished elements, and of the last one (what a quantifier would repeat).
  const groups: { size: number; last: number }[] = [{ size: 0, last: 0 }];
  let top = groups[0] as { size: number; last: number };
  const atom = (size: number) => {
    top.size += top.last;
    top.last = size;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next === "Q") {
        const end = pattern.indexOf("\\E", i + 2);
        const stop = end === -1 ? pattern.length : end;
        for (let k = i + 2; k < stop; k++) atom(1);
        i = end === -1 ? pattern.length : end + 1;
        continue;
      }
      if ((next === "p" || next === "P" || next === "x") && pattern[i + 2] === "{") i = Math.max(pattern.indexOf("}", i), i + 1);
      else i += next === "p" || next === "P" ? 2 : next === "x" ? 3 : 1;
      atom(1);
    } else if (c === "[") {
      let k = i + 1;
      if (pattern[k] === "^") k++;
      if (pattern[k] === "]") k++;
      for (; k < pattern.length && pattern[k] !== "]"; k++) {
        if (pattern[k] === "\\") k++;
        else if (pattern[k] === "[" && pattern[k + 1] === ":") k = Math.max(pattern.indexOf(":]", k + 2), k) + 1;
      }
      i = k;
      atom(1);
    } else if (c === "(") {
      if (pattern[i + 1] === "?") {
        let k = i + 2;
        while (k < pattern.length && pattern[k] !== ":" && pattern[k] !== ")" && pattern[k] !== ">") k++;
        if (pattern[k] === ")") {
          i = k; // a flag group, `(?i)`: no element
          continue;
        }
        i = k;
      }
      top = { size: 0, last: 0 };
      groups.push(top);
    } else if (c === ")") {
      if (groups.length === 1) continue;
      const inner = (groups.pop() as { size: number; last: number });
      top = groups[groups.length - 1] as { size: number; last: number };
      atom(inner.size + inner.last + 2);
    } else if (c === "|") {
      // Nothing for the alternation itself: RE2 folds single-character alternatives into one class.
      top.size += top.last;
      top.last = 0;
    } else if (c === "*" || c === "+" || c === "?") {
      top.last += 1;
      if (pattern[i + 1] === "?") i++;
    } else if (c === "{" && REPEAT.test(pattern.slice(i, i + 16))) {
      const [text, min, , max] = REPEAT.exec(pattern.slice(i, i + 16)) as RegExpExecArray;
      top.last = top.last * Math.max(Number(min), max ? Number(max) : Number(min) + 1) + 1;
      i += text.length - 1;
      if (pattern[i + 1] === "?") i++;
    } else {
      atom(1);
    }
  }
  let size = 0;
  for (const group of groups) size += group.size + group.last;
  return size + 2;
}

/**
 * Why a pattern cannot run, or `undefined` when it can: too long, not RE2, or compiling to more than
 * {@link MAX_PATTERN_PROGRAM} instructions.
 * @internal
 */
export function patternProblem(pattern: string, ignoreCase = false): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern longer than ${MAX_PATTERN_LENGTH} characters`;
  const tooLarge = `pattern too large: more than ${MAX_PATTERN_PROGRAM} instructions once compiled (lower its repeat counts)`;
  if (estimatedProgramSize(pattern) > ESTIMATE_SLACK * MAX_PATTERN_PROGRAM) return tooLarge;
  let compiled: RE2JS;
  try {
    compiled = compilePattern(pattern, ignoreCase);
  } catch {
    return "invalid regular expression (RE2 syntax: no lookaround or backreferences)";
  }
  return compiled.programSize() > MAX_PATTERN_PROGRAM ? tooLarge : undefined;
}

/**
 * The condition work one node execution may still spend (see {@link MAX_MATCH_WORK}). Pass one budget to every
 * `evaluateCondition` call of a node execution, so that the node's tests share it.
 */
export class MatchBudget {
  private spent = 0;
  private readonly compiled = new Set<string>();

  /**
   * Charges one test of `pattern` (a valid pattern, see `patternProblem`) on `subject`, and the pattern's compile
   * the first time this budget sees it.
   * @returns `false` when the work would exceed {@link MAX_MATCH_WORK}; nothing is charged then.
   * @internal
   */
  charge(pattern: string, ignoreCase: boolean, subject: string): boolean {
    const key = cacheKey(pattern, ignoreCase);
    const size = compilePattern(pattern, ignoreCase).programSize();
    const compile = this.compiled.has(key) ? 0 : COMPILE_WORK_BASE + COMPILE_WORK_PER_INSTRUCTION * size;
    if (!this.spend(compile + size * (subject.length + 1))) return false;
    this.compiled.add(key);
    return true;
  }

  /**
   * Charges `work` units of non-`matches` comparison work (about one per character or value an operator reads).
   * @returns `false` when the work would exceed {@link MAX_MATCH_WORK}; nothing is charged then.
   * @internal
   */
  spend(work: number): boolean {
    if (this.spent + work > MAX_MATCH_WORK) return false;
    this.spent += work;
    return true;
  }

  /**
   * The work this budget may still spend.
   * @internal
   */
  get remaining(): number {
    return MAX_MATCH_WORK - this.spent;
  }
}

/**
 * Unanchored search, as `RegExp#test`.
 * @internal
 */
export function testPattern(pattern: string, ignoreCase: boolean, subject: string): boolean {
  return compilePattern(pattern, ignoreCase).matcher(subject).find();
}
