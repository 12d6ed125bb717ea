import { parseArgs } from "node:util";

/** What the command line asked for. @internal */
export interface CliArgs {
  command: "up" | "status" | "sql";
  databaseUrl: string | undefined;
  packages: string[];
  schema: string | undefined;
  allowChanged: boolean;
  lockTimeoutMs: number | undefined;
  json: boolean;
}

/** A command line that cannot be run as given (exit code 2). @internal */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The `--help` text. @internal */
export const USAGE = `Usage: atom-migrate <up|status|sql> [options]

Commands:
  up       apply every pending migration of the packages (in one transaction per package)
  status   list applied, pending and changed migrations per namespace, with checksums
  sql      print the pending SQL (all of it without a database), for teams with their own migration tool

Options:
  --database-url <url>   postgres://… or pglite:<directory>; default: $DATABASE_URL
  --packages <list>      comma-separated: oauth-store, governance, ledger, workflow-engine, or a module path that
                         exports atomMigrations(); default: every Atom package installed in this project
  --schema <name>        schema for the tables and the history (also the connection's search_path)
  --allow-changed        go on when an applied migration's SQL was edited (up)
  --lock-timeout <ms>    how long to wait for another migrating process (default 60000)
  --json                 machine-readable output (status, up)
  -h, --help             this text

Exit codes: 0 ok, 1 failed, 2 bad usage.`;

/** Parses argv (without node and the script); `undefined` means `--help`. @internal */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliArgs | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        "database-url": { type: "string" },
        packages: { type: "string" },
        schema: { type: "string" },
        "allow-changed": { type: "boolean", default: false },
        "lock-timeout": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const [command, ...extra] = positionals;
  if (command !== "up" && command !== "status" && command !== "sql") {
    throw new UsageError(command === undefined ? "missing command (up, status or sql)" : `unknown command "${command}" (up, status or sql)`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const databaseUrl = values["database-url"] ?? (env.DATABASE_URL === "" ? undefined : env.DATABASE_URL);
  if (databaseUrl === undefined && command !== "sql") {
    throw new UsageError("no database: pass --database-url or set DATABASE_URL");
  }
  return {
    command,
    databaseUrl,
    packages: parsePackages(values.packages),
    schema: values.schema,
    allowChanged: values["allow-changed"],
    lockTimeoutMs: parseLockTimeout(values["lock-timeout"]),
    json: values.json,
  };
}

function parsePackages(list: string | undefined): string[] {
  if (list === undefined) return [];
  const names = list.split(",").map((name) => name.trim());
  if (names.some((name) => name === "")) throw new UsageError(`--packages "${list}" has an empty entry`);
  return [...new Set(names)];
}

function parseLockTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1 || ms > 3_600_000) throw new UsageError(`--lock-timeout must be 1..3600000 ms, got "${value}"`);
  return ms;
}
