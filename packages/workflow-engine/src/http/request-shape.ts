import { ValidationError } from "@atom/errors";

// RFC 9110 token: what a header field name may be.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// CR, LF and NUL would end the header line (request smuggling, header injection); undici refuses them too, late.
const LINE_BREAK = /[\r\n\0]/;
// Framing and routing headers the client sets itself: a definition setting Host could reach another virtual host
// on the vetted address, and the others would desynchronise the connection.
const RESERVED = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect"]);

/**
 * Why `name: value` cannot be sent as a request header, or `undefined`.
 * @internal
 */
export function headerProblem(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return "is not a valid header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~)";
  if (RESERVED.has(name.toLowerCase())) return "is set by the HTTP client and cannot be configured";
  if (LINE_BREAK.test(value)) return "value must not contain CR, LF or NUL";
  return undefined;
}

function parsedUrl(url: string | URL): URL | string {
  if (typeof url !== "string") return url;
  return URL.canParse(url) ? new URL(url) : "is not an absolute URL";
}

function credentialsProblem(url: URL): string | undefined {
  return url.username !== "" || url.password !== "" ? "must not contain credentials (user:password@); use headers or auth" : undefined;
}

/**
 * Why `url` cannot be requested, or `undefined`: not an absolute URL, not `http:`/`https:`, or with credentials in
 * it (`user:password@`), which would be copied into outputs, events and stores while never being sent.
 * @internal
 */
export function urlProblem(url: string | URL): string | undefined {
  const parsed = parsedUrl(url);
  if (typeof parsed === "string") return parsed;
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return `protocol ${parsed.protocol} is not allowed (http: or https: only)`;
  return credentialsProblem(parsed);
}

/**
 * The request's URL, parsed, once it is absolute and without credentials and every header passes
 * {@link headerProblem} (the protocol is the SSRF guard's to refuse, as on every redirect hop).
 * @throws ValidationError (`VALIDATION_ERROR`, `details.field` `url` or `headers.<name>`) otherwise; the message
 * names the field, never the URL or a header value, which may hold a secret.
 * @internal
 */
export function checkedRequestUrl(url: string | URL, headers: Record<string, string> | undefined): URL {
  const parsed = parsedUrl(url);
  const problem = typeof parsed === "string" ? parsed : credentialsProblem(parsed);
  if (problem !== undefined) throw new ValidationError({ field: "url", message: `[@atom/workflow-engine] [http] url ${problem}` });
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const wrong = headerProblem(name, headers[name] as string);
      if (wrong !== undefined) {
        throw new ValidationError({ field: `headers.${name}`, message: `[@atom/workflow-engine] [http] header ${JSON.stringify(name)} ${wrong}` });
      }
    }
  }
  // A caller's URL object is copied, as `new URL(url)` did: the client never touches it.
  return typeof url === "string" ? (parsed as URL) : new URL(url.href);
}
