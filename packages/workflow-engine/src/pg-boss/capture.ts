import type { BossDb } from "./boss.js";

/** A statement pg-boss sent to a {@link capturingDb}. @internal */
export interface SentStatement {
  text: string;
  values: unknown[];
}

/**
 * A `db` option for pg-boss that runs nothing: it keeps each statement pg-boss sends, in order, and answers each
 * with `rows` (what pg-boss reads of the answer), so that the adapter can nest pg-boss's statements in its own.
 * @internal
 */
export function capturingDb(rows: unknown[]): { db: BossDb; statements: SentStatement[] } {
  const statements: SentStatement[] = [];
  const db: BossDb = {
    executeSql: async (text, values) => {
      statements.push({ text, values: values ?? [] });
      return { rows };
    },
  };
  return { db, statements };
}
