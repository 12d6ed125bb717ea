import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MigrationSet } from "../migration-options.js";
import { UsageError } from "./args.js";

/** The Atom packages with Postgres tables, by their short name. @internal */
export const ATOM_PACKAGES = ["oauth-store", "governance", "ledger", "workflow-engine"] as const;

/** One package's migrations, as found. @internal */
export interface DiscoveredSet {
  /** What the user named (`ledger`, `./db/migrations.js`). */
  source: string;
  set: MigrationSet;
}

/**
 * Loads each named package's `atomMigrations({ schema })`, resolved from `cwd` like the project's own imports: a
 * short name means `@atom/<name>/postgres`; anything else is a module specifier or a path. With no names, every
 * Atom package installed in the project. @internal
 */
export async function discoverMigrationSets(names: readonly string[], cwd: string, schema: string | undefined): Promise<DiscoveredSet[]> {
  const require = createRequire(join(cwd, "package.json"));
  const wanted = names.length > 0 ? names : ATOM_PACKAGES.filter((name) => resolves(require, specifierOf(name)));
  if (wanted.length === 0) {
    throw new UsageError(`no Atom package with migrations is installed in ${cwd} (${ATOM_PACKAGES.join(", ")}); pass --packages`);
  }
  const sets: DiscoveredSet[] = [];
  for (const source of wanted) sets.push({ source, set: await load(require, source, schema) });
  return sets;
}

function specifierOf(name: string): string {
  return (ATOM_PACKAGES as readonly string[]).includes(name) ? `@atom/${name}/postgres` : name;
}

function resolves(require: NodeJS.Require, specifier: string): boolean {
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

async function load(require: NodeJS.Require, source: string, schema: string | undefined): Promise<MigrationSet> {
  const specifier = specifierOf(source);
  let path: string;
  try {
    path = require.resolve(specifier);
  } catch {
    const hint = specifier.startsWith("@atom/") ? ` (npm install ${specifier.split("/").slice(0, 2).join("/")})` : "";
    throw new UsageError(`cannot find "${specifier}" from this directory${hint}`);
  }
  const mod = (await import(pathToFileURL(path).href)) as { atomMigrations?: unknown; default?: { atomMigrations?: unknown } };
  const factory = mod.atomMigrations ?? mod.default?.atomMigrations;
  if (typeof factory !== "function") throw new UsageError(`"${specifier}" does not export atomMigrations()`);
  return (factory as (options: { schema?: string }) => MigrationSet)(schema === undefined ? {} : { schema });
}
