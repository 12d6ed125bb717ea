/**
 * Parses a body by content type: JSON (`application/json`, `+json`) parsed (left as text when malformed), text-like
 * types as UTF-8, anything else as base64; empty bodies are `null`.
 * @internal
 */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || type.endsWith("+json")) {
    const text = raw.toString("utf8");
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  if (type === "" || type.startsWith("text/") || type.endsWith("xml") || type === "application/x-www-form-urlencoded") {
    return raw.toString("utf8");
  }
  return raw.toString("base64");
}
