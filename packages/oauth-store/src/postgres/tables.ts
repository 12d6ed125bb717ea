import { parseInput } from "@atom/errors";
import { quoteIdentifier } from "@atom/sql";
import { z } from "zod";

/** Where the tables live. */
export interface PostgresTableOptions {
  /** Schema holding the tables (created if missing). @default the connection's `search_path` (usually `public`) */
  schema?: string;
  /** Prefix of the table names (`app_` gives `app_oauth_states`). @default "" */
  tablePrefix?: string;
}

/** Quoted, qualified table and index names. @internal */
export interface TableNames {
  states: string;
  tokens: string;
  /** Unquoted prefix for index names (indexes live in the tables' schema). */
  indexPrefix: string;
  schema: string | undefined;
  namespace: string;
}

/** The table options, strict: a misspelled `tablePrefix` would otherwise put the tables somewhere else. @internal */
export const tableOptionsSchema = z.strictObject({
  schema: z.string().optional(),
  tablePrefix: z.string().regex(/^[A-Za-z0-9_]{0,40}$/, "must be at most 40 characters of [A-Za-z0-9_]").default(""),
});

/** Resolves and validates the names, so configuration can never inject SQL. @internal */
export function tableNames(options: unknown, context: string): TableNames {
  const { schema, tablePrefix } = parseInput(tableOptionsSchema, options, context);
  const qualify = (table: string) => {
    const quoted = quoteIdentifier(`${tablePrefix}${table}`, "tablePrefix");
    return schema === undefined ? quoted : `${quoteIdentifier(schema, "schema")}.${quoted}`;
  };
  return {
    states: qualify("oauth_states"),
    tokens: qualify("oauth_tokens"),
    indexPrefix: tablePrefix,
    schema,
    namespace: `oauth_store:${schema ?? ""}:${tablePrefix}`,
  };
}
