/** Deepest nesting of objects and arrays accepted in a node's config and in a run's input. */
export const MAX_JSON_DEPTH = 64;
/** Most values (objects, arrays, primitives) accepted in one node's config or one run's input. */
export const MAX_JSON_VALUES = 1_000_000;
/**
 * Most characters (string values and object keys together) in one node output or one rendered template: 16 MiB of
 * UTF-16 code units, above the base64 of a default 10 MiB HTTP response body.
 */
export const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;

interface Frame {
  value: unknown;
  depth: number;
  key: string;
  parent: Frame | undefined;
}

function pathOf(frame: Frame): string[] {
  const path: string[] = [];
  for (let at: Frame | undefined = frame; at?.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * The first place where `value` nests deeper than {@link MAX_JSON_DEPTH}, holds more than {@link MAX_JSON_VALUES}
 * values or holds a bigint (which no store can write as JSON), or `undefined`. Iterative, so a hostile depth cannot overflow the stack here (the
 * zod schemas and templates that run next recurse, which is why they must not see such a value).
 * @internal
 */
export function jsonShapeProblem(value: unknown): { path: string[]; message: string } | undefined {
  if (typeof value === "bigint") return { path: [], message: "is a bigint, which JSON cannot represent" };
  if (typeof value !== "object" || value === null) return undefined;
  const stack: Frame[] = [{ value, depth: 0, key: "", parent: undefined }];
  let count = 0;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    if (++count > MAX_JSON_VALUES) return { path: pathOf(frame), message: `holds more than ${MAX_JSON_VALUES} values` };
    const current = frame.value;
    if (typeof current === "bigint") return { path: pathOf(frame), message: "is a bigint, which JSON cannot represent" };
    if (typeof current !== "object" || current === null) continue;
    if (frame.depth >= MAX_JSON_DEPTH) return { path: pathOf(frame), message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
    const depth = frame.depth + 1;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], depth, key: String(i), parent: frame });
    } else {
      for (const key of Object.keys(current)) stack.push({ value: (current as Record<string, unknown>)[key], depth, key, parent: frame });
    }
  }
  return undefined;
}

function walkProblem(root: object): string | undefined {
  // Values still to visit and their depths, side by side: no object per visited value.
  const pending: unknown[] = [root];
  const pendingDepth: number[] = [0];
  let count = 0;
  let chars = 0;
  while (pending.length > 0) {
    const current = pending.pop();
    const depth = pendingDepth.pop() as number;
    if (++count > MAX_JSON_VALUES) return `holds more than ${MAX_JSON_VALUES} values`;
    if (typeof current === "string") {
      chars += current.length;
      if (chars > MAX_OUTPUT_CHARS) return `holds more than ${MAX_OUTPUT_CHARS} characters`;
      continue;
    }
    if (typeof current === "bigint") return "holds a bigint, which JSON cannot represent";
    if (typeof current !== "object" || current === null) continue;
    if (depth >= MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
    const keys = Array.isArray(current) ? undefined : Object.keys(current);
    // Every pending value gets counted: refuse before queueing more than the limit (a 10M-element array).
    if (count + pending.length + (keys ?? (current as unknown[])).length > MAX_JSON_VALUES) return `holds more than ${MAX_JSON_VALUES} values`;
    if (keys === undefined) {
      const array = current as unknown[];
      for (let i = array.length - 1; i >= 0; i--) {
        pending.push(array[i]);
        pendingDepth.push(depth + 1);
      }
      continue;
    }
    for (const key of keys) {
      chars += key.length;
      pending.push((current as Record<string, unknown>)[key]);
      pendingDepth.push(depth + 1);
    }
    if (chars > MAX_OUTPUT_CHARS) return `holds more than ${MAX_OUTPUT_CHARS} characters`;
  }
  return undefined;
}

/**
 * Why `value` cannot be a node's output, or `undefined`: nested deeper than {@link MAX_JSON_DEPTH}, more than
 * {@link MAX_JSON_VALUES} values, more than {@link MAX_OUTPUT_CHARS} characters, or a bigint. A shared reference
 * counts every time it appears, as `JSON.stringify` (a store, a template) would expand it, so an output that
 * doubles a shared predecessor is measured at its real size; the walk stops at the first limit, so it costs at
 * most `MAX_JSON_VALUES` steps however large the value, and a cycle ends at the depth limit.
 * @internal
 */
export function valueSizeProblem(value: unknown): string | undefined {
  if (typeof value === "string") return value.length > MAX_OUTPUT_CHARS ? `holds more than ${MAX_OUTPUT_CHARS} characters` : undefined;
  if (typeof value === "bigint") return "holds a bigint, which JSON cannot represent";
  if (typeof value !== "object" || value === null) return undefined;
  return walkProblem(value);
}
