import { ValidationError } from "@atom/errors";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Quotes a SQL identifier (schema, table prefix) after checking it is a plain name, so configuration can never
 * inject SQL.
 * @param field the option's name, used in the error
 * @throws {ValidationError} when `name` is not `[A-Za-z_][A-Za-z0-9_]*` of at most 63 characters
 */
export function quoteIdentifier(name: string, field: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new ValidationError({
      field,
      message: `[@atom/sql] ${field} must be a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters)`,
    });
  }
  return `"${name}"`;
}
