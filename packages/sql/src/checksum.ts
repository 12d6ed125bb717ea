import { createHash } from "node:crypto";

/**
 * The checksum recorded for an applied migration: SHA-256 (hex) of its SQL with line endings normalized to `\n`, so
 * a checkout with CRLF line endings does not count as an edit while any other change to the text does.
 */
export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n?/g, "\n")).digest("hex");
}
