// README snippet check (`pnpm check:snippets`, run after `pnpm build`): every ```ts block of README.md, docs/*.md
// and packages/*/README.md must typecheck under `strict` against the built packages, as a reader would paste it.
//
// Each block (or each file a guide builds from `<!-- file: NAME -->` blocks, see markdown-blocks.mjs) becomes its
// own module in a temporary project outside the workspace. Its node_modules links each
// public package (so `@atom/errors/express` resolves through the package's `exports` to its built `dist` types)
// and every library the workspace packages install (express, fastify, hono, zod, pg...). One `tsc --noEmit` checks
// them all; each error is reported as the Markdown file and line of its block. Exits 1 when any block fails.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { codeBlocks } from "./markdown-blocks.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The Markdown files whose ```ts blocks are checked. */
function markdownFiles() {
  const docs = join(root, "docs");
  const packages = join(root, "packages");
  return [
    join(root, "README.md"),
    ...readdirSync(docs).filter((name) => name.endsWith(".md")).map((name) => join(docs, name)),
    ...readdirSync(packages).map((name) => join(packages, name, "README.md")),
  ].filter((file) => existsSync(file));
}

/** Links `name` into `modules` (scoped names too), pointing at the real directory so types resolve beside it. */
function link(modules, name, target) {
  const path = join(modules, name);
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(realpathSync(target), path, "dir");
}

/** The public packages, and every library installed for a workspace package (first one found wins). */
function linkDependencies(modules) {
  const packages = join(root, "packages");
  for (const name of readdirSync(packages)) {
    const dir = join(packages, name);
    const manifest = existsSync(join(dir, "package.json")) ? JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) : undefined;
    if (manifest !== undefined && manifest.private !== true) link(modules, manifest.name, dir);
  }
  const installed = [join(root, "node_modules"), ...readdirSync(packages).map((name) => join(packages, name, "node_modules"))];
  for (const dir of [...installed, join(root, "bench", "node_modules")]) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(".")) continue;
      const names = entry.startsWith("@") ? readdirSync(join(dir, entry)).map((child) => `${entry}/${child}`) : [entry];
      for (const name of names) if (!name.startsWith("@atom/")) link(modules, name, join(dir, name));
    }
  }
}

const blocks = markdownFiles().flatMap(codeBlocks);
const work = mkdtempSync(join(tmpdir(), "atom-snippets-"));
const failures = new Map();
try {
  linkDependencies(join(work, "node_modules"));
  const files = blocks.map((block, index) => {
    const name = `snippet-${String(index).padStart(3, "0")}.ts`;
    writeFileSync(join(work, name), `${block.code}\n`);
    return name;
  });
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: "ES2022",
    lib: ["ES2023"],
    module: "esnext",
    moduleResolution: "bundler",
    moduleDetection: "force",
    types: ["node"],
    skipLibCheck: true,
  };
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  const record = (output, remaining) => {
    const broken = new Set();
    for (const line of output.split("\n")) {
      const match = /^(snippet-(\d+)\.ts)\((\d+),\d+\): (error TS(\d+): .*)$/.exec(line);
      if (!match) continue;
      const block = blocks[Number(match[2])];
      const where = relative(root, block.markdown);
      const key = `${where}:${block.lineOf(1)}${block.name === undefined ? "" : ` (${block.name})`}`;
      if (!failures.has(key)) failures.set(key, []);
      failures.get(key).push(`${where}:${block.lineOf(Number(match[3]))} ${match[4]}`);
      // TS1xxx are syntax errors; tsc reports nothing else while any file has one, so such files leave the program.
      if (match[5].startsWith("1") && match[5].length === 4) broken.add(match[1]);
    }
    return remaining.filter((file) => !broken.has(file));
  };
  let remaining = files;
  for (;;) {
    writeFileSync(join(work, "tsconfig.json"), JSON.stringify({ compilerOptions, files: remaining }, null, 2));
    let output = "";
    try {
      execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--pretty", "false"], { cwd: work, encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      output = `${error.stdout ?? ""}${error.stderr ?? ""}`;
    }
    const next = record(output, remaining);
    if (next.length === remaining.length || next.length === 0) break;
    remaining = next;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failures.size > 0) {
  console.error(`check-snippets: ${failures.size} of ${blocks.length} \`\`\`ts blocks fail to typecheck:`);
  for (const [block, errors] of failures) console.error(`  block at ${block}\n    ${errors.join("\n    ")}`);
  process.exit(1);
}
console.log(`check-snippets: all ${blocks.length} \`\`\`ts blocks typecheck under strict against the built packages`);
