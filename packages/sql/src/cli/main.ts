import { isAtomError } from "@atom/errors";
import { createSqlExecutor } from "../executor.js";
import { parseCliArgs, USAGE, UsageError, type CliArgs } from "./args.js";
import { printSql, status, up, type CliOutput } from "./commands.js";
import { openDatabase } from "./connect.js";
import { discoverMigrationSets } from "./discover.js";

/** What the command line runs in. @internal */
export interface CliEnvironment {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

/**
 * Runs `atom-migrate` and returns its exit code: 0 ok, 1 failed (database unreachable, a migration failed, an edited
 * migration), 2 bad usage. Failures are one line on stderr, never a stack trace. @internal
 */
export async function runCli(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  let args: CliArgs | undefined;
  try {
    args = parseCliArgs(argv, environment.env);
  } catch (error) {
    environment.stderr(`atom-migrate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === undefined) {
    environment.stdout(USAGE);
    return 0;
  }
  try {
    return await execute(args, environment);
  } catch (error) {
    environment.stderr(`atom-migrate: ${describe(error)}`);
    return error instanceof UsageError || isAtomError(error, "VALIDATION_ERROR") ? 2 : 1;
  }
}

async function execute(args: CliArgs, environment: CliEnvironment): Promise<number> {
  const sets = await discoverMigrationSets(args.packages, environment.cwd, args.schema);
  const output: CliOutput = { out: environment.stdout };
  if (args.databaseUrl === undefined) {
    await printSql(undefined, sets, output);
    return 0;
  }
  const database = await openDatabase(args.databaseUrl, environment.cwd, args.schema);
  try {
    const sql = createSqlExecutor(database.db);
    if (args.command === "up") await up(sql, sets, args, output);
    else if (args.command === "sql") await printSql(sql, sets, output);
    else if (!(await status(sql, sets, args, output))) {
      environment.stderr("atom-migrate: some applied migrations were edited since they ran (state: changed)");
      return 1;
    }
    return 0;
  } finally {
    await database.close().catch(() => undefined);
  }
}

/** One line: the Atom error's message, or the driver's message without its stack, never the URL's password. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = isAtomError(error) && error.cause instanceof Error && !message.includes(error.cause.message) ? ` (${error.cause.message})` : "";
  const code = (isAtomError(error) ? (error.cause as { code?: unknown } | undefined) : (error as { code?: unknown }))?.code;
  const hint = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ETIMEDOUT" ? " (is the server running and reachable?)" : "";
  return `${message}${cause}${hint}`.replace(/\/\/([^:/@\s]+):[^@\s]+@/g, "//$1:***@").split("\n")[0] ?? "";
}
