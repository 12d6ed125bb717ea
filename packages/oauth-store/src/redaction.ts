/**
 * Secret redaction at the boundary where foreign errors (a provider's token endpoint, a database driver) enter the
 * store. A foreign error is never kept as it is: its stack, its extra properties (`request`, `config`, `detail`,
 * `response`) and its `details` can all carry a token, a verifier or a client secret, and `util.inspect`, a
 * development error body and a logger all print them. It is replaced by a plain copy that keeps only the name, the
 * message and the `code` / `status`, each with every known secret and every secret-looking pair cut out.
 * @internal
 */

const REDACTED = "[redacted]";
const MAX_TEXT = 500;
const MAX_CAUSES = 3;

/** `Bearer abc`, `Basic abc`: the scheme and everything up to the next space or quote. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[^\s"']+/gi;
const SECRET_KEY =
  "(?<![A-Za-z0-9])((?:access|refresh|id)[-_]?token|client[-_]?secret|code[-_]?verifier|client[-_]?assertion|assertion|password|secret|api[-_]?key|authorization|code|token)";
/** `"client_secret": "abc"`, `'token': 'a,b'`: a secret-named key and its quoted value, escapes included. */
const QUOTED_PAIR = new RegExp(`${SECRET_KEY}(["']?\\s*[:=]\\s*)(["'])(?:\\\\.|(?!\\3)[^\\\\])*\\3`, "gi");
/**
 * `refresh_token=abc`, `code: abc`, and a quoted value whose closing quote was cut off: a secret-named key and its
 * value, up to the next space, quote or `&`.
 */
const BARE_PAIR = new RegExp(`${SECRET_KEY}(["']?\\s*[:=]\\s*["']?)(?!\\[redacted\\]|(?:Bearer|Basic)\\s)[^\\s&"']+`, "gi");

/** What the patterns scan: enough for the {@link MAX_TEXT} kept, small enough that no input makes them slow. */
const MAX_SCAN = 4 * MAX_TEXT;

/** Cuts every known secret, then every secret-looking pair, out of `text`, and caps its length. */
export function scrubText(text: string, secrets: readonly string[]): string {
  // Known secrets go first, on the whole text: a cut first could leave a token's prefix that no longer matches.
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  // A pair cut in half by this slice still matches the bare pattern, so the cut leaks nothing.
  out = out
    .slice(0, MAX_SCAN)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(QUOTED_PAIR, `$1$2$3${REDACTED}$3`)
    .replace(BARE_PAIR, `$1$2${REDACTED}`);
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
}

function textOf(value: unknown): string {
  try {
    return typeof value === "string" ? value : String(value);
  } catch {
    return "unprintable value";
  }
}

/**
 * A safe stand-in for a foreign error: a new `Error` with the scrubbed name and message, a stack of that one line
 * (no frames, which would repeat the message), scrubbed `code` / `status` / `statusCode` when they are primitives,
 * and the first {@link MAX_CAUSES} causes treated the same way. Nothing else of the original survives.
 */
export function scrubError(error: unknown, secrets: readonly string[], depth = 0): Error {
  const source = error instanceof Error ? (error as Error & Record<string, unknown>) : undefined;
  const name = scrubText(source === undefined ? "Error" : textOf(source.name), secrets).slice(0, 100);
  const message = scrubText(source === undefined ? `non-error value thrown: ${textOf(error)}` : textOf(source.message), secrets);
  const copy = new Error(message) as Error & Record<string, unknown>;
  Object.defineProperty(copy, "name", { value: name, writable: true, configurable: true });
  copy.stack = `${name}: ${message}`;
  for (const key of ["code", "status", "statusCode"]) {
    const value = source?.[key];
    if (typeof value === "number") copy[key] = value;
    else if (typeof value === "string") copy[key] = scrubText(value, secrets).slice(0, 100);
  }
  if (source?.cause !== undefined && depth < MAX_CAUSES) {
    Object.defineProperty(copy, "cause", { value: scrubError(source.cause, secrets, depth + 1), writable: true, configurable: true });
  }
  return copy;
}

const SECRET_KEYS = ["accessToken", "refreshToken", "raw", "codeVerifier"] as const;

/** The secret values inside adapter arguments (a token write, a state record, sealed secrets). */
export function secretsInArguments(args: readonly unknown[]): string[] {
  const found: string[] = [];
  for (const arg of args) {
    if (typeof arg !== "object" || arg === null) continue;
    for (const key of SECRET_KEYS) {
      const value = (arg as Record<string, unknown>)[key];
      if (typeof value === "string") found.push(value);
    }
  }
  return found;
}
