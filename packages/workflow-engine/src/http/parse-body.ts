import { ResponseTooComplexError } from "../errors.js";
import { jsonShapeProblem } from "../json-limits.js";

/**
 * Parses a body by content type: JSON (`application/json`, `+json`) parsed (left as text when malformed), text-like
 * types as UTF-8, anything else as base64; empty bodies are `null`. Parsed JSON deeper or larger than the engine's JSON
 * limits is refused (`HTTP_RESPONSE_TOO_COMPLEX`): a hostile server must not hand the run a value that overflows the
 * stack of whatever recurses into it next (templates, `JSON.stringify` in a store, the host).
 * @internal
 */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const header = contentType ?? "";
  const semicolon = header.indexOf(";");
  const type = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  if (type === "application/json" || type.endsWith("+json")) {
    const text = raw.toString("utf8");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text;
    }
    const problem = jsonShapeProblem(parsed);
    if (problem) throw new ResponseTooComplexError({ path: problem.path.join("."), problem: problem.message });
    return parsed;
  }
  if (type === "" || type.startsWith("text/") || type.endsWith("xml") || type === "application/x-www-form-urlencoded") {
    return raw.toString("utf8");
  }
  return raw.toString("base64");
}
