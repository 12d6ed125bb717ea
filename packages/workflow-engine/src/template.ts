import { BoundedCache } from "./bounded-cache.js";
import { TemplateInvalidError } from "./errors.js";
import { TemplateBudget } from "./template-budget.js";

/** What `{{ }}` expressions can read. `$item` exists only inside transform `map`/`filter`. */
export interface TemplateScope {
  /** The node's input (its predecessors' outputs). */
  input: unknown;
  /** The run input. */
  runInput: unknown;
  /** Settled node results by id. */
  nodes: Readonly<Record<string, TemplateNodeView>>;
  /** The current item of a transform `map`/`filter`. */
  item?: unknown;
}

/** What a template sees of a settled node through `$node.<id>`. */
export interface TemplateNodeView {
  /** The node's output. */
  output?: unknown;
  /** The node's status. */
  status?: string;
}

/** A parsed expression: a root and the property path after it. */
interface CompiledPath {
  root: "$input" | "$run" | "$node" | "$item";
  segments: readonly string[];
}

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
const SEGMENT = /^[A-Za-z_$][\w$-]*$|^\d+$/;
const EXPRESSION = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const ROOTS = new Set(["$input", "$run", "$node", "$item"]);
// Definitions repeat the same few expressions; distinct ones (each workflow a user submits) must not grow it forever.
const cache = new BoundedCache<CompiledPath>(10_000);

/**
 * Splits a dotted path (`a.b[0].c`) into segments, refusing prototype segments.
 * @throws TemplateInvalidError (`TEMPLATE_INVALID`) on a malformed or forbidden segment.
 * @internal
 */
export function parsePath(path: string, expression = path): string[] {
  const segments = path.replace(/\[(\d+)\]/g, ".$1").split(".");
  for (const segment of segments) {
    if (FORBIDDEN.has(segment)) throw new TemplateInvalidError({ expression, reason: `segment "${segment}" is forbidden` });
    if (!SEGMENT.test(segment)) throw new TemplateInvalidError({ expression, reason: `bad segment "${segment}"` });
  }
  return segments;
}

function compile(expression: string): CompiledPath {
  return cache.get(expression, () => parseExpression(expression));
}

function parseExpression(expression: string): CompiledPath {
  const [root, ...rest] = parsePath(expression);
  if (root === undefined || !ROOTS.has(root)) {
    throw new TemplateInvalidError({ expression, reason: "must start with $input, $run.input, $node.<id> or $item" });
  }
  if (root === "$run" && rest[0] !== "input") throw new TemplateInvalidError({ expression, reason: "$run only exposes input" });
  if (root === "$node" && (rest.length < 2 || (rest[1] !== "output" && rest[1] !== "status"))) {
    throw new TemplateInvalidError({ expression, reason: "use $node.<id>.output or $node.<id>.status" });
  }
  return { root: root as CompiledPath["root"], segments: rest };
}

/**
 * Reads `segments` from `value` through own properties only; a missing step yields `undefined`.
 * @internal
 */
export function readPath(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function evaluate(expression: string, scope: TemplateScope): unknown {
  const { root, segments } = compile(expression);
  switch (root) {
    case "$input":
      return readPath(scope.input, segments);
    case "$item":
      return readPath(scope.item, segments);
    case "$run":
      return readPath(scope.runInput, segments.slice(1));
    case "$node": {
      const [id, field, ...rest] = segments as [string, string, ...string[]];
      const result = Object.prototype.hasOwnProperty.call(scope.nodes, id) ? scope.nodes[id] : undefined;
      return field === "status" ? result?.status : readPath(result?.output, rest);
    }
  }
}

/**
 * Assigns an own data property, so a `__proto__` key coming from JSON stays data and never swaps the prototype.
 * @internal
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * Resolves one string: a string that is exactly one `{{ expr }}` keeps the value's type; otherwise every expression
 * is interpolated as text (objects as JSON, missing values as "").
 * @throws TemplateInvalidError (`TEMPLATE_INVALID`) on a malformed expression.
 * @throws NodeOutputTooLargeError (`NODE_OUTPUT_TOO_LARGE`) when the text would exceed `MAX_OUTPUT_CHARS`.
 */
export function renderTemplate(template: string, scope: TemplateScope): unknown {
  return renderWithin(template, scope, new TemplateBudget());
}

/**
 * Resolves every string inside `value` (objects and arrays walked, own keys only), returning a new value.
 * @throws TemplateInvalidError (`TEMPLATE_INVALID`) on a malformed expression.
 * @throws NodeOutputTooLargeError (`NODE_OUTPUT_TOO_LARGE`) when the strings together would exceed
 * `MAX_OUTPUT_CHARS` interpolated characters, or the walk `MAX_JSON_VALUES` values.
 */
export function resolveTemplates<T>(value: T, scope: TemplateScope): T {
  return resolveWithin(value, scope, new TemplateBudget());
}

/**
 * {@link resolveTemplates} charging `budget`, which one node shares across all its resolutions.
 * @throws NodeOutputTooLargeError (`NODE_OUTPUT_TOO_LARGE`) as soon as `budget` is spent.
 * @internal
 */
export function resolveWithin<T>(value: T, scope: TemplateScope, budget: TemplateBudget): T {
  budget.value();
  if (typeof value === "string") return renderWithin(value, scope, budget) as T;
  if (Array.isArray(value)) return value.map((entry) => resolveWithin(entry, scope, budget)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(out, key, resolveWithin((value as Record<string, unknown>)[key], scope, budget));
    return out as T;
  }
  return value;
}

function renderWithin(template: string, scope: TemplateScope, budget: TemplateBudget): unknown {
  if (!template.includes("{{")) return template;
  const whole = WHOLE.exec(template);
  if (whole) return evaluate(whole[1] ?? "", scope);
  // Each value in scope fits the JSON limits, but a template may repeat one: what it adds is charged as it grows.
  return template.replace(EXPRESSION, (_, expression: string) => {
    const text = stringify(evaluate(expression, scope));
    budget.text(text.length);
    return text;
  });
}

/** A node a template reads through `$node.<id>`, and the config field holding the template. @internal */
export interface NodeReference {
  id: string;
  field: string;
}

/** What validation learns from the `{{ }}` expressions of a node config. @internal */
export interface TemplateFacts {
  /** Expressions that do not parse, with their field. */
  problems: { field: string; message: string }[];
  /** The nodes `$node.<id>` expressions read, once per id and field. */
  references: NodeReference[];
}

/**
 * Walks every string inside `value` once, for definition validation: the problems of its `{{ }}` expressions and
 * the nodes they read.
 * @internal
 */
export function templateFacts(value: unknown, field: string, facts: TemplateFacts = { problems: [], references: [] }): TemplateFacts {
  if (typeof value === "string") {
    const ids = new Set<string>();
    for (const match of value.matchAll(EXPRESSION)) {
      try {
        const { root, segments } = compile(match[1] ?? "");
        if (root === "$node") ids.add(segments[0] as string);
      } catch (error) {
        facts.problems.push({ field, message: (error as Error).message });
      }
    }
    for (const id of ids) facts.references.push({ id, field });
  } else if (Array.isArray(value)) value.forEach((entry, i) => templateFacts(entry, `${field}.${i}`, facts));
  else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) templateFacts((value as Record<string, unknown>)[key], `${field}.${key}`, facts);
  }
  return facts;
}
