import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli.js");
const realUrl = process.env.DATABASE_URL;
const project = mkdtempSync(join(tmpdir(), "atom-migrate-"));
let counter = 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `atom-migrate` as a real child process in the fixture project. */
function atomMigrate(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: project, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A fresh, empty place to migrate: a new schema on the real server, or a new PGlite directory. */
function freshTarget(): { url: string; schema?: string } {
  counter++;
  if (realUrl) return { url: realUrl, schema: `cli_${process.pid}_${counter}_${Date.now()}` };
  return { url: `pglite:${join(project, `pglite-${counter}`)}` };
}

function targetArgs(target: { url: string; schema?: string }): string[] {
  return ["--database-url", target.url, ...(target.schema ? ["--schema", target.schema] : [])];
}

const triggerSql = `CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
CREATE FUNCTION items_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.n := OLD.n + 1; RETURN NEW; END;
$$;
CREATE TRIGGER items_bump BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION items_bump();`;

function writeModule(file: string, namespace: string, migrations: { version: number; name: string; sql: string }[]): void {
  writeFileSync(
    join(project, file),
    `export function atomMigrations(options = {}) {
  return { namespace: ${JSON.stringify(namespace)}, migrations: ${JSON.stringify(migrations)}, ...(options.schema ? { schema: options.schema } : {}) };
}\n`,
  );
}

beforeAll(() => {
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "fixture", private: true, type: "module" }));
  writeModule("shop.mjs", "shop", [
    { version: 1, name: "items with a trigger", sql: triggerSql },
    { version: 2, name: "note column", sql: "ALTER TABLE items ADD COLUMN note text" },
  ]);
  writeModule("audit.mjs", "audit", [{ version: 1, name: "audit log", sql: "CREATE TABLE audit_log (id int)" }]);
  writeModule("shop-edited.mjs", "shop", [
    { version: 1, name: "items with a trigger", sql: triggerSql.replace("int NOT NULL DEFAULT 0", "bigint NOT NULL DEFAULT 0") },
  ]);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("atom-migrate as a child process", () => {
  it("up applies the pending migrations, status lists them with checksums, a second up is a no-op", async () => {
    const target = freshTarget();
    const before = await atomMigrate(["status", ...targetArgs(target), "--packages", "./shop.mjs"]);
    expect(before).toMatchObject({ code: 0, stderr: "" });
    expect(before.stdout).toMatch(/^shop: 2 pending\n {2}v1 {2}pending {2}[0-9a-f]{12} {2}items with a trigger\n {2}v2 {2}pending/);

    const up = await atomMigrate(["up", ...targetArgs(target), "--packages", "./shop.mjs,./audit.mjs"]);
    expect(up).toEqual({ code: 0, stdout: "shop: applied v1, v2\naudit: applied v1\n", stderr: "" });

    const again = await atomMigrate(["up", ...targetArgs(target), "--packages", "./shop.mjs,./audit.mjs", "--json"]);
    expect(JSON.parse(again.stdout)).toEqual({
      namespaces: [
        { namespace: "shop", applied: [], changed: [] },
        { namespace: "audit", applied: [], changed: [] },
      ],
    });

    const after = await atomMigrate(["status", ...targetArgs(target), "--packages", "./shop.mjs", "--json"]);
    const status = JSON.parse(after.stdout) as { namespaces: { migrations: { state: string; checksum: string; appliedChecksum: string }[] }[] };
    expect(status.namespaces[0]?.migrations.map((m) => m.state)).toEqual(["applied", "applied"]);
    expect(status.namespaces[0]?.migrations[0]?.appliedChecksum).toBe(status.namespaces[0]?.migrations[0]?.checksum);
  });

  it("refuses an edited applied migration with exit code 1 and one clear line; --allow-changed goes on", async () => {
    const target = freshTarget();
    expect((await atomMigrate(["up", ...targetArgs(target), "--packages", "./shop.mjs"])).code).toBe(0);
    const edited = await atomMigrate(["up", ...targetArgs(target), "--packages", "./shop-edited.mjs"]);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toBe("");
    expect(edited.stderr).toMatch(/^atom-migrate: \[@atom\/sql\] migration shop v1 was edited after it was applied \(applied checksum [0-9a-f]{64}, current [0-9a-f]{64}\)/);
    expect(edited.stderr.trim().split("\n")).toHaveLength(1);
    const status = await atomMigrate(["status", ...targetArgs(target), "--packages", "./shop-edited.mjs"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/v1 {2}changed/);
    const allowed = await atomMigrate(["up", ...targetArgs(target), "--packages", "./shop-edited.mjs", "--allow-changed"]);
    expect(allowed).toEqual({ code: 0, stdout: "shop: up to date (changed, allowed: v1)\n", stderr: "" });
  });

  it("sql prints every migration without a database, with the history rows, and only the pending ones with one", async () => {
    const offline = await atomMigrate(["sql", "--packages", "./shop.mjs"]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain("CREATE TABLE IF NOT EXISTS atom_migrations");
    expect(offline.stdout).toContain("-- shop v1: items with a trigger\nCREATE TABLE items");
    expect(offline.stdout).toContain("EXECUTE FUNCTION items_bump();\n;\nINSERT INTO atom_migrations (namespace, version, name, checksum) VALUES ('shop', 1, 'items with a trigger', '");
    expect(offline.stdout).toContain("-- shop v2: note column");

    const target = freshTarget();
    await atomMigrate(["up", ...targetArgs(target), "--packages", "./audit.mjs"]);
    const online = await atomMigrate(["sql", ...targetArgs(target), "--packages", "./audit.mjs,./shop.mjs"]);
    expect(online.code).toBe(0);
    expect(online.stdout).not.toContain("audit log");
    expect(online.stdout).toContain("-- shop v1: items with a trigger");
  });

  it("takes the database from DATABASE_URL", async () => {
    const target = freshTarget();
    const run = await atomMigrate(["up", "--packages", "./audit.mjs", ...(target.schema ? ["--schema", target.schema] : [])], {
      DATABASE_URL: target.url,
    });
    expect(run).toEqual({ code: 0, stdout: "audit: applied v1\n", stderr: "" });
  });

  it.each([
    [[], "missing command"],
    [["down"], 'unknown command "down"'],
    [["up", "--databse-url", "x"], "Unknown option '--databse-url'"],
    [["status"], "no database: pass --database-url or set DATABASE_URL"],
    [["up", "--database-url", "not a url", "--packages", "./audit.mjs"], "the database URL is not a URL"],
    [["up", "--database-url", "mysql://h/db", "--packages", "./audit.mjs"], 'unsupported database URL scheme "mysql:"'],
    [["up", "--database-url", "postgres://h/db", "--packages", "nope-not-installed"], 'cannot find "nope-not-installed"'],
    [["up", "--database-url", "postgres://h/db", "--packages", "./audit.mjs", "--lock-timeout", "soon"], "--lock-timeout must be"],
    [["up", "--database-url", "postgres://h/db", "--packages", "./audit.mjs", "--schema", "a;b"], "schema must be a plain SQL identifier"],
  ])("exits 2 on bad usage %j", async (args, message) => {
    const run = await atomMigrate(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("reports an unreachable server in one line, exit 1, without the password or a stack trace", async () => {
    const run = await atomMigrate(["up", "--database-url", "postgres://app:hunter2@127.0.0.1:1/db", "--packages", "./audit.mjs"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("(is the server running and reachable?)");
    expect(run.stderr).not.toContain("hunter2");
    expect(run.stderr).not.toMatch(/\bat /);
  });
});

describe.runIf(realUrl)("two atom-migrate processes at once on a fresh real PostgreSQL", () => {
  const admin = new pg.Pool({ connectionString: realUrl, max: 1 });
  afterAll(() => admin.end());

  it("both succeed and each version is applied once", async () => {
    for (let round = 0; round < 5; round++) {
      const target = freshTarget();
      const args = ["up", ...targetArgs(target), "--packages", "./shop.mjs,./audit.mjs", "--json"];
      const runs = await Promise.all([atomMigrate(args), atomMigrate(args)]);
      expect(runs.map((run) => run.code)).toEqual([0, 0]);
      const applied = runs.flatMap((run) => (JSON.parse(run.stdout) as { namespaces: { applied: number[] }[] }).namespaces.flatMap((n) => n.applied));
      expect(applied.sort()).toEqual([1, 1, 2]);
      const { rows } = await admin.query(`SELECT namespace, version FROM "${target.schema}".atom_migrations ORDER BY 1, 2`);
      expect(rows).toEqual([
        { namespace: "audit", version: 1 },
        { namespace: "shop", version: 1 },
        { namespace: "shop", version: 2 },
      ]);
      await admin.query(`DROP SCHEMA "${target.schema}" CASCADE`);
    }
  });
});
