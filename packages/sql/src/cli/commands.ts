import { migrationChecksum } from "../checksum.js";
import { runMigrations } from "../migrate.js";
import type { MigrationSet } from "../migration-options.js";
import { migrationStatus, type MigrationStatus } from "../migration-status.js";
import type { SqlExecutor } from "../types.js";
import type { CliArgs } from "./args.js";
import type { DiscoveredSet } from "./discover.js";

/** Where the command line writes. @internal */
export interface CliOutput {
  out(line: string): void;
}

/** `up`: applies each set's pending migrations, one transaction per set. @internal */
export async function up(sql: SqlExecutor, sets: DiscoveredSet[], args: CliArgs, output: CliOutput): Promise<void> {
  const report: { namespace: string; applied: number[]; changed: number[] }[] = [];
  for (const { set } of sets) {
    const result = await runMigrations(sql, {
      ...set,
      allowChanged: args.allowChanged,
      ...(args.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: args.lockTimeoutMs }),
    });
    const changed = (result.changed ?? []).map((change) => change.version);
    report.push({ namespace: set.namespace, applied: result.applied, changed });
    if (args.json) continue;
    const applied = result.applied.length === 0 ? "up to date" : `applied ${result.applied.map((v) => `v${v}`).join(", ")}`;
    output.out(`${set.namespace}: ${applied}${changed.length === 0 ? "" : ` (changed, allowed: ${changed.map((v) => `v${v}`).join(", ")})`}`);
  }
  if (args.json) output.out(JSON.stringify({ namespaces: report }));
}

/** `status`: applied / pending / changed / unknown per namespace, with checksums. @internal */
export async function status(sql: SqlExecutor, sets: DiscoveredSet[], args: CliArgs, output: CliOutput): Promise<boolean> {
  const statuses: MigrationStatus[] = [];
  for (const { set } of sets) statuses.push(await migrationStatus(sql, set));
  if (args.json) output.out(JSON.stringify({ namespaces: statuses }));
  else for (const entry of statuses) printStatus(entry, output);
  return statuses.every((entry) => entry.migrations.every((m) => m.state !== "changed"));
}

function printStatus(entry: MigrationStatus, output: CliOutput): void {
  const pending = entry.migrations.filter((m) => m.state === "pending").length;
  output.out(`${entry.namespace}: ${pending === 0 ? "up to date" : `${pending} pending`}`);
  for (const m of entry.migrations) {
    const sum = (m.checksum ?? m.appliedChecksum ?? "").slice(0, 12);
    const when = m.appliedAt === undefined ? "" : `  ${m.appliedAt.toISOString()}`;
    const was = m.state === "changed" ? `  (applied as ${m.appliedChecksum?.slice(0, 12)})` : "";
    output.out(`  v${m.version}  ${m.state.padEnd(7)}  ${sum}  ${m.name}${when}${was}`);
  }
}

/**
 * `sql`: the pending migrations as one script (every migration when there is no database), each followed by the
 * history row that tells `atom-migrate` and the packages' `migrate()` it has been applied. @internal
 */
export async function printSql(sql: SqlExecutor | undefined, sets: DiscoveredSet[], output: CliOutput): Promise<void> {
  const tables = new Set<string>();
  for (const { set } of sets) {
    const pending = sql === undefined ? [...set.migrations] : await pendingOf(sql, set);
    const history = set.schema === undefined ? "atom_migrations" : `"${set.schema}".atom_migrations`;
    if (pending.length > 0 && !tables.has(history)) {
      tables.add(history);
      if (set.schema !== undefined) output.out(`CREATE SCHEMA IF NOT EXISTS "${set.schema}";`);
      output.out(
        `CREATE TABLE IF NOT EXISTS ${history} (namespace text NOT NULL, version integer NOT NULL, name text NOT NULL, ` +
          "applied_at timestamptz NOT NULL DEFAULT now(), checksum text, PRIMARY KEY (namespace, version));",
      );
    }
    for (const migration of [...pending].sort((a, b) => a.version - b.version)) {
      output.out(`\n-- ${set.namespace} v${migration.version}: ${migration.name}`);
      output.out(`${migration.sql.trim()}\n;`);
      output.out(
        `INSERT INTO ${history} (namespace, version, name, checksum) VALUES (${literal(set.namespace)}, ${migration.version}, ` +
          `${literal(migration.name)}, '${migrationChecksum(migration.sql)}');`,
      );
    }
  }
}

async function pendingOf(sql: SqlExecutor, set: MigrationSet) {
  const { migrations } = await migrationStatus(sql, set);
  const pending = new Set(migrations.filter((m) => m.state === "pending").map((m) => m.version));
  return set.migrations.filter((migration) => pending.has(migration.version));
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
