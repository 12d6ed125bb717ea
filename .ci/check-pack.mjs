// Published-package check (`pnpm check:pack`, run after `pnpm build`): what a developer gets from npm.
//
// 1. `pnpm pack` every public package in packages/* into a temporary directory.
// 2. Create a project OUTSIDE the workspace and `npm install` the tarballs plus the peer libraries the subpaths
//    need, from the registry (no workspace links).
// 3. Import every subpath of every `exports` map from an ESM consumer, a CJS consumer and a TypeScript consumer
//    checked three times with `tsc --noEmit`: node16, bundler, and node10 (the default of `module: commonjs`, which
//    ignores `exports` and finds subpath types through `typesVersions`).
//    Every tarball must hold a LICENSE.
// 4. Run `npx atom-migrate up` and `status` in that project (on DATABASE_URL, else a PGlite directory), then check
//    that every package's own `migrate()` finds nothing to do: the command line and the packages apply the same SQL.
//    Run the getting-started guide: the `<!-- file: ... -->` blocks of docs/getting-started.md, written out as a
//    reader would, run with tsx in the consumer project on PGlite, and again on PostgreSQL when DATABASE_URL is set.
// 5. Bundle each package's "." entry with esbuild (dependencies external) and assert the framework-agnostic core
//    imports no framework or database driver and stays within its byte budget in .ci/size-budgets.json.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { publicPackageDirs } from "../typedoc.config.mjs";
import { codeBlocks } from "./markdown-blocks.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const requireFromRoot = createRequire(join(root, "package.json"));
const esbuild = createRequire(requireFromRoot.resolve("tsup"))("esbuild");
const budgets = JSON.parse(readFileSync(join(root, ".ci", "size-budgets.json"), "utf8"));

/** Libraries the subpaths (and their types) load: hosts, drivers, OpenFeature, the testing kits' runner. */
const PEERS = [
  "express",
  "@types/express",
  "fastify",
  "hono",
  "pg",
  "@types/pg",
  "mongodb",
  "@openfeature/server-sdk",
  "@electric-sql/pglite",
  "vitest",
  "typescript",
  "@types/node",
  // What the getting-started guide installs besides the Atom packages.
  "@electric-sql/pglite",
  "oauth2-mock-server",
  "zod",
  "tsx",
];
/** A core ("." entry) must never import these; `allow` lists per-package exceptions. */
const FORBIDDEN_IN_CORE = ["express", "fastify", "hono", "pg", "mongodb", "@electric-sql/pglite", "undici"];
const ALLOWED_IN_CORE = { "@atom/workflow-engine": ["undici"] };

const failures = [];
const started = performance.now();
const step = (label) => console.log(`check-pack: ${label} (${((performance.now() - started) / 1000).toFixed(1)}s)`);
const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: "utf8", stdio: "pipe" });
const runAsync = (command, args, cwd) => promisify(execFile)(command, args, { cwd, encoding: "utf8" });
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

const work = mkdtempSync(join(tmpdir(), "atom-check-pack-"));
const tarballs = join(work, "tarballs");
const project = join(work, "consumer");
mkdirSync(tarballs);
mkdirSync(project);

try {
  const packages = await Promise.all(
    publicPackageDirs().map(async (dir) => {
      const manifest = readJson(join(dir, "package.json"));
      await runAsync("pnpm", ["pack", "--pack-destination", tarballs], dir);
      const tarball = `${manifest.name.replace("@", "").replace("/", "-")}-${manifest.version}.tgz`;
      const { stdout: listing } = await runAsync("tar", ["-tzf", join(tarballs, tarball)], dir);
      if (!listing.split("\n").includes("package/LICENSE")) failures.push(`${manifest.name}: no LICENSE in ${tarball}`);
      const subpaths = Object.keys(manifest.exports)
        .filter((subpath) => subpath !== "./package.json")
        .map((subpath) => (subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));
      return { name: manifest.name, manifest, tarball, subpaths };
    }),
  );
  step(`packed ${packages.map((pkg) => pkg.tarball).join(", ")}`);

  writeFileSync(join(project, "package.json"), JSON.stringify(consumerManifest(packages), null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project);
  step("installed the tarballs and peers from the registry");

  const specifiers = packages.flatMap((pkg) => pkg.subpaths);
  checkEsm(specifiers);
  checkCjs(specifiers);
  await Promise.all([checkTypes(specifiers), checkCores(packages)]);
  await checkMigrateCli();
  await checkGuide();
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`check-pack: ${failures.length} failure(s):\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
step(
  "every tarball has a LICENSE; ESM, CJS and TypeScript (node16, bundler, node10) consumers import every subpath; " +
    "the getting-started guide runs; cores are pure and within budget",
);

/** Tarballs as `file:` dependencies (and overrides, so inter-package deps resolve to them too) plus peers. */
function consumerManifest(packages) {
  const local = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:../tarballs/${pkg.tarball}`]));
  const peers = Object.fromEntries(PEERS.map((name) => [name, versionRange(name, packages)]));
  return { name: "atom-consumer", private: true, dependencies: { ...local, ...peers }, overrides: local };
}

/** The range the workspace already tests against: a package's peer or dev range, else the root's. */
function versionRange(name, packages) {
  for (const { manifest } of packages) {
    const range = manifest.peerDependencies?.[name] ?? manifest.devDependencies?.[name];
    if (range !== undefined && !range.startsWith("workspace:")) return range.split("||").pop().trim();
  }
  return readJson(join(root, "package.json")).devDependencies?.[name] ?? "latest";
}

function checkEsm(specifiers) {
  const lines = specifiers.map(
    (specifier) =>
      `{ const mod = await import(${JSON.stringify(specifier)}); ` +
      `if (Object.keys(mod).length === 0) throw new Error(${JSON.stringify(`${specifier} has no exports`)}); }`,
  );
  writeFileSync(join(project, "esm.mjs"), `${lines.join("\n")}\nconsole.log("esm ok");\n`);
  attempt("ESM consumer", () => run("node", ["esm.mjs"], project));
  step(`ESM consumer imported ${specifiers.length} subpaths`);
}

function checkCjs(specifiers) {
  const source = `const results = {};
for (const specifier of ${JSON.stringify(specifiers)}) {
  try {
    results[specifier] = Object.keys(require(specifier)).length > 0 ? "ok" : "no exports";
  } catch (error) {
    results[specifier] = String(error.message).split("\\n")[0];
  }
}
console.log(JSON.stringify(results));
`;
  writeFileSync(join(project, "cjs.cjs"), source);
  const results = JSON.parse(run("node", ["cjs.cjs"], project));
  const skipped = [];
  for (const [specifier, result] of Object.entries(results)) {
    if (result === "ok") continue;
    if (specifier.endsWith("/testing") && /vitest/i.test(result)) skipped.push(`${specifier} (${result})`);
    else failures.push(`CJS consumer: require("${specifier}"): ${result}`);
  }
  const note = skipped.length === 0 ? "" : `; skipped, vitest cannot be required: ${skipped.join("; ")}`;
  step(`CJS consumer required ${specifiers.length - skipped.length} subpaths${note}`);
}

async function checkTypes(specifiers) {
  const imports = specifiers
    .map((specifier, index) => `import * as m${index} from ${JSON.stringify(specifier)};`)
    .join("\n");
  const use = `\nexport const modules = [${specifiers.map((_, index) => `m${index}`).join(", ")}];\n`;
  const compilerOptions = { strict: true, noEmit: true, target: "ES2022", types: ["node"], skipLibCheck: false };
  const variants = [
    { name: "node16", files: ["consumer.mts", "consumer.cts"], options: { module: "node16", moduleResolution: "node16" } },
    { name: "bundler", files: ["consumer.ts"], options: { module: "esnext", moduleResolution: "bundler" } },
    // As `tsc --init` writes it for CommonJS: zod's and pino's own types need esModuleInterop there.
    {
      name: "node10",
      files: ["consumer-node10.ts"],
      options: { module: "commonjs", moduleResolution: "node10", esModuleInterop: true },
    },
  ];
  const tsc = join(project, "node_modules/typescript/bin/tsc");
  await Promise.all(
    variants.map(async (variant) => {
      for (const file of variant.files) writeFileSync(join(project, file), imports + use);
      const tsconfig = { compilerOptions: { ...compilerOptions, ...variant.options }, files: variant.files };
      writeFileSync(join(project, `tsconfig.${variant.name}.json`), JSON.stringify(tsconfig, null, 2));
      try {
        await runAsync(process.execPath, [tsc, "-p", `tsconfig.${variant.name}.json`], project);
      } catch (error) {
        failures.push(`tsc (${variant.name}): ${firstLines(error)}`);
      }
    }),
  );
  step(`TypeScript consumer type-checked ${specifiers.length} subpaths (node16 ESM + CJS, bundler, node10)`);
}

async function checkCores(packages) {
  const sizes = [];
  for (const { name } of packages) {
    const result = await esbuild.build({
      entryPoints: [join(project, "node_modules", name, "dist", "index.js")],
      bundle: true,
      packages: "external",
      platform: "node",
      format: "esm",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const [output] = Object.values(result.metafile.outputs);
    const allowed = ALLOWED_IN_CORE[name] ?? [];
    for (const path of new Set(output.imports.map((imported) => imported.path))) {
      const forbidden = FORBIDDEN_IN_CORE.find((lib) => (path === lib || path.startsWith(`${lib}/`)) && !allowed.includes(lib));
      if (forbidden !== undefined) failures.push(`${name} core imports "${path}" (framework/driver must stay in a subpath)`);
    }
    const budget = budgets[name];
    if (budget === undefined) failures.push(`${name}: no byte budget in .ci/size-budgets.json`);
    else if (output.bytes > budget) failures.push(`${name} core is ${output.bytes} B minified, over its ${budget} B budget`);
    sizes.push(`${name} ${output.bytes}/${budget ?? "?"} B`);
  }
  step(`core bundles (minified, deps external): ${sizes.join(", ")}`);
}

/** `npx atom-migrate up` then `status` from the consumer project, then each package's own migrate() is a no-op. */
async function checkMigrateCli() {
  const url = process.env.DATABASE_URL;
  const schema = `atom_check_pack_${process.pid}`;
  const target = url ? ["--database-url", url, "--schema", schema] : ["--database-url", `pglite:${join(work, "pglite")}`];
  const migrate = (args) => runAsync("npx", ["--no-install", "atom-migrate", ...args, ...target], project);
  try {
    const up = await migrate(["up"]);
    const status = await migrate(["status"]);
    const namespaces = [url ? `oauth_store:${schema}:` : "oauth_store::", "governance", "ledger", "workflow-engine"];
    for (const namespace of namespaces) {
      if (!up.stdout.includes(`${namespace}: applied v1`)) failures.push(`atom-migrate up did not apply ${namespace}:\n    ${up.stdout}`);
      if (!status.stdout.includes(`${namespace}: up to date`)) failures.push(`atom-migrate status: ${namespace} not up to date:\n    ${status.stdout}`);
    }
    writeFileSync(join(project, "migrate-again.mjs"), migrateAgainScript());
    const again = JSON.parse((await runAsync("node", ["migrate-again.mjs", url ?? "", schema, join(work, "pglite")], project)).stdout);
    for (const [name, applied] of Object.entries(again)) {
      if (applied.length > 0) failures.push(`${name} migrate() applied ${applied} after atom-migrate up (the SQL differs)`);
    }
    step(`npx atom-migrate up + status applied ${namespaces.join(", ")}; each package's migrate() then had nothing to do`);
  } catch (error) {
    failures.push(`atom-migrate: ${firstLines(error)}`);
  } finally {
    if (url) await runAsync("node", ["-e", dropSchemaScript(), url, schema], project).catch(() => undefined);
  }
}

function migrateAgainScript() {
  return `import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { migrate as governance } from "@atom/governance/postgres";
import { migrate as ledger } from "@atom/ledger/postgres";
import { migrate as oauth } from "@atom/oauth-store/postgres";
import { postgresRunStore } from "@atom/workflow-engine/postgres";
const [url, schema, dir] = process.argv.slice(2);
const db = url ? new pg.Pool({ connectionString: url, options: "-c search_path=" + schema }) : new PGlite(dir);
const inSchema = url ? { schema } : {};
const result = {
  governance: (await governance(db)).applied,
  ledger: (await ledger(db, inSchema)).applied,
  "oauth-store": (await oauth(db, inSchema)).applied,
};
await postgresRunStore({ pool: db, ...inSchema }).migrate();
console.log(JSON.stringify(result));
await (url ? db.end() : db.close());
`;
}

function dropSchemaScript() {
  return `const pg = require("pg"); const c = new pg.Client({ connectionString: process.argv[1] });
c.connect().then(() => c.query('DROP SCHEMA IF EXISTS "' + process.argv[2] + '" CASCADE')).finally(() => c.end());`;
}

async function checkGuide() {
  const guide = join(project, "guide");
  mkdirSync(guide);
  writeFileSync(join(guide, "package.json"), JSON.stringify({ name: "atom-guide", private: true, type: "module" }));
  const files = codeBlocks(join(root, "docs", "getting-started.md")).filter((block) => block.name !== undefined);
  if (files.length === 0) failures.push("docs/getting-started.md: no <!-- file: ... --> blocks to run");
  for (const file of files) writeFileSync(join(guide, file.name), `${file.code}\n`);
  const tsx = join(project, "node_modules", "tsx", "dist", "cli.mjs");
  const { DATABASE_URL, ...withoutDatabase } = process.env;
  const databases = [["PGlite", withoutDatabase], ...(DATABASE_URL ? [["PostgreSQL", process.env]] : [])];
  for (const [database, env] of databases) {
    for (const file of files.filter((f) => f.name.endsWith(".ts"))) {
      try {
        await promisify(execFile)(process.execPath, [tsx, file.name], { cwd: guide, env, encoding: "utf8", timeout: 120_000 });
      } catch (error) {
        failures.push(`getting-started guide (${file.name} on ${database}): ${firstLines(error)}`);
      }
    }
  }
  step(`getting-started guide ran (${files.map((f) => f.name).join(", ")}) on ${databases.map(([name]) => name).join(" and ")}`);
}

function attempt(label, action) {
  try {
    action();
  } catch (error) {
    failures.push(`${label}: ${firstLines(error)}`);
  }
}

function firstLines(error) {
  const text = `${error.stdout ?? ""}${error.stderr ?? ""}` || String(error);
  return text.trim().split("\n").slice(0, 30).join("\n    ");
}
