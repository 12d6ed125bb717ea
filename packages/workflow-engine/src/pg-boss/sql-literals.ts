import { randomBytes } from "node:crypto";

/** A dollar-quote tag that does not occur in `text`, so `text` needs no escaping between two of them. */
function dollarTag(text: string): string {
  for (;;) {
    const tag = `$atom_${randomBytes(6).toString("hex")}$`;
    if (!text.includes(tag)) return tag;
  }
}

/** `text` as a dollar-quoted string constant: of unknown type until its context gives one, like a parameter. */
function quoted(text: string): string {
  const tag = dollarTag(text);
  return `${tag}${text}${tag}`;
}

/** `values` as a Postgres array literal (`{"a","b"}`): the text of a `text[]` parameter. @internal */
export function arrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}

/** A parameter value as node-postgres sends it (text), or `null`; `undefined` for a value this module cannot write. */
function parameterText(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return undefined;
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/**
 * `text` with its `$1`, `$2`... parameters written in as constants, so that it can travel with other statements in
 * one simple-query message: each value as node-postgres would send it, dollar-quoted (a string constant is of
 * unknown type until its context gives one, as a parameter is), `NULL` for `null` and `undefined`. `undefined` when
 * a value cannot be written (arrays, buffers, non-finite numbers) or a placeholder has no value: send it as is then.
 * @internal
 */
export function inlineParameters(text: string, values: readonly unknown[]): string | undefined {
  const literals: string[] = [];
  for (const value of values) {
    const written = literal(value);
    if (written === undefined) return undefined;
    literals.push(written);
  }
  return replacePlaceholders(text, (n) => literals[n - 1]);
}

/** A parameter value as a constant: dollar-quoted text, or `NULL`; `undefined` for a value this module cannot write. */
function literal(value: unknown): string | undefined {
  const written = parameterText(value);
  if (written === undefined) return undefined;
  return written === null ? "NULL" : quoted(written);
}

/**
 * `text` with its parameter `$n` written in as a constant (as {@link inlineParameters} writes it) and the parameters
 * after it numbered one lower, so that it takes `values` without the `n`th; `undefined` when the value cannot be
 * written or a placeholder has no value.
 * @internal
 */
export function inlineParameter(text: string, n: number, values: readonly unknown[]): string | undefined {
  if (n < 1 || n > values.length) return undefined;
  const constant = literal(values[n - 1]);
  if (constant === undefined) return undefined;
  return replacePlaceholders(text, (k) => (k === n ? constant : k > values.length ? undefined : k > n ? `$${k - 1}` : `$${k}`));
}

/**
 * `text` with each placeholder `$n` replaced by `replace(n)`; placeholders inside string constants, quoted
 * identifiers, dollar-quoted strings and comments are left alone. `undefined` when `replace` gives `undefined` or a
 * dollar quote is not closed.
 * @internal
 */
export function replacePlaceholders(text: string, replace: (n: number) => string | undefined): string | undefined {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    const next = text[i + 1];
    let end: number;
    if (char === "'") end = endOfQuoted(text, i, /[eE]/.test(text[i - 1] ?? "") && !IDENTIFIER_CHAR.test(text[i - 2] ?? ""));
    else if (char === '"') end = endOfQuoted(text, i, false);
    else if (char === "-" && next === "-") end = lineEnd(text, i);
    else if (char === "/" && next === "*") end = endOfComment(text, i);
    else if (char === "$" && !IDENTIFIER_CHAR.test(text[i - 1] ?? "")) {
      const placeholder = /^\$(\d+)/.exec(text.slice(i, i + 12));
      if (placeholder) {
        const replacement = replace(Number(placeholder[1]));
        if (replacement === undefined) return undefined;
        out += replacement;
        i += placeholder[0].length;
        continue;
      }
      const tag = DOLLAR_TAG.exec(text.slice(i, i + 64))?.[0];
      const close = tag === undefined ? -1 : text.indexOf(tag, i + tag.length);
      if (tag !== undefined && close < 0) return undefined;
      end = tag === undefined ? i + 1 : close + tag.length;
    } else end = i + 1;
    out += text.slice(i, end);
    i = end;
  }
  return out;
}

/** The index after the quote that closes the one at `start` (a doubled quote is part of the text). */
function endOfQuoted(text: string, start: number, backslashEscapes: boolean): number {
  const quote = text[start] as string;
  let i = start + 1;
  while (i < text.length) {
    const char = text[i];
    if (backslashEscapes && char === "\\") i += 2;
    else if (char === quote && text[i + 1] === quote) i += 2;
    else if (char === quote) return i + 1;
    else i += 1;
  }
  return text.length;
}

function lineEnd(text: string, start: number): number {
  const end = text.indexOf("\n", start);
  return end < 0 ? text.length : end + 1;
}

/** The index after the block comment opened at `start` (block comments nest). */
function endOfComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text[i] === "/" && text[i + 1] === "*") {
      depth += 1;
      i += 2;
    } else if (text[i] === "*" && text[i + 1] === "/") {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return text.length;
}
