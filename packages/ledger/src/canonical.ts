import { createHash } from "node:crypto";
import type { PostingEntry, SourceRef } from "./types.js";

/** @internal JSON with object keys sorted at every depth, so `{ a, b }` and `{ b, a }` hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  return JSON.stringify(value) ?? "null";
}

/** @internal What a posting's fingerprint covers: its content, not its id or clock. */
export interface PostingContent {
  /** The entries, currency `null` when left to the account. */
  entries: readonly PostingEntry[];
  /** What happened. */
  description: string;
  /** The ISO time the caller gave, or `null` for "now". */
  effectiveAt: string | null;
  /** The business object recorded. */
  sourceRef: SourceRef | null;
  /** The posting's JSON metadata. */
  metadata: Record<string, unknown> | null;
  /** The transaction this one reverses. */
  reverses: string | null;
}

const text = (value: string | null) => (value === null ? "null" : JSON.stringify(value));

/**
 * @internal A SHA-256 (base64url) over the canonical JSON of a posting's content. The posting's own fields are
 * written out in sorted key order here, so only metadata goes through the generic {@link canonicalJson}; the text
 * is exactly `canonicalJson(content)`, so fingerprints stored by earlier versions still match.
 */
export function postingFingerprint(content: PostingContent): string {
  let json = `{"description":${JSON.stringify(content.description)},"effectiveAt":${text(content.effectiveAt)},"entries":[`;
  content.entries.forEach((e, i) => {
    json += `${i === 0 ? "" : ","}{"account":${JSON.stringify(e.account)},"amount":"${e.amount}","currency":${text(e.currency)},"side":${JSON.stringify(e.side)}}`;
  });
  const ref = content.sourceRef === null ? "null" : `{"id":${JSON.stringify(content.sourceRef.id)},"type":${JSON.stringify(content.sourceRef.type)}}`;
  json += `],"metadata":${content.metadata === null ? "null" : canonicalJson(content.metadata)},"reverses":${text(content.reverses)},"sourceRef":${ref}}`;
  return createHash("sha256").update(json).digest("base64url");
}
