const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/**
 * Parses a boolean strictly: `true/false/1/0/yes/no/on/off`, case-insensitive, surrounding spaces ignored.
 * @returns the boolean, or `undefined` for anything else (the caller reports it)
 */
export function parseBoolean(raw: string): boolean | undefined {
  const value = raw.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return undefined;
}

/** Parses a finite number; empty text and `NaN`/`Infinity` are refused (`undefined`). */
export function parseNumber(raw: string): number | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
