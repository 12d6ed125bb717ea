/** Deepest nesting of objects and arrays accepted in a node's config and in a run's input. */
export const MAX_JSON_DEPTH = 64;
/** Most values (objects, arrays, primitives) accepted in one node's config or one run's input. */
export const MAX_JSON_VALUES = 1_000_000;

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
 * The first place where `value` nests deeper than {@link MAX_JSON_DEPTH} or holds more than
 * {@link MAX_JSON_VALUES} values, or `undefined`. Iterative, so a hostile depth cannot overflow the stack here (the
 * zod schemas and templates that run next recurse, which is why they must not see such a value).
 * @internal
 */
export function jsonShapeProblem(value: unknown): { path: string[]; message: string } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const stack: Frame[] = [{ value, depth: 0, key: "", parent: undefined }];
  let count = 0;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    if (++count > MAX_JSON_VALUES) return { path: pathOf(frame), message: `holds more than ${MAX_JSON_VALUES} values` };
    const current = frame.value;
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
