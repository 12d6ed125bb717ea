/**
 * `JSON.stringify(value)` for a string, byte for byte. A string with nothing to escape (the common case: codes,
 * messages, ids) is only wrapped in quotes; anything else goes to `JSON.stringify`, which also escapes lone
 * surrogates. Each `JSON.stringify` call enters V8's runtime, which costs more than scanning a short string here, and
 * an error body quotes half a dozen strings.
 * @internal
 */
export function jsonString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // Control characters, `"`, `\` and surrogates (which may be lone) take the escaping path.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}
