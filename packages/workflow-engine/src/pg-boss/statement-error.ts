/**
 * An error Postgres gives a statement for what it says (SQLSTATE classes 42, syntax or access rule; 0A, feature not
 * supported; 22, data exception): pg-boss's statements nested in the worker's own may cause it, and then always
 * will. Anything else (a lost connection, a deadlock, a cancelled statement) passes, and says nothing of the nesting;
 * so does 42P05, a prepared statement of the same name already on the connection (behind a pooler that shares
 * backends), which is the connection's state, not the text's.
 * @internal
 */
export function isStatementError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  return /^(42|0A|22)[0-9A-Z]{3}$/.test(code) && code !== "42P05";
}
