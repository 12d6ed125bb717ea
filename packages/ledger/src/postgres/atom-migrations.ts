import { parseInput } from "@atom/errors";
import { quoteIdentifier, type MigrationSet } from "@atom/sql";
import { z } from "zod";
import { ledgerMigrations } from "./migrations.js";

const optionsSchema = z.strictObject({ schema: z.string().optional() });

/**
 * The ledger's migrations in the shape `atom-migrate` discovers (`npx atom-migrate up --packages ledger`); the same
 * set `migrate(pool, options)` applies.
 * @example
 * ```ts
 * const { namespace, migrations } = atomMigrations({ schema: "billing" });
 * ```
 * @throws {ValidationError} naming `schema` when it is not a plain identifier, or an unknown option (`shema`)
 */
export function atomMigrations(options: { schema?: string } = {}): MigrationSet {
  parseInput(optionsSchema, options, "[@atom/ledger] [postgres] migrate");
  const schema = options.schema === undefined ? undefined : quoteIdentifier(options.schema, "schema");
  return {
    namespace: "ledger",
    migrations: ledgerMigrations(schema),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
  };
}
