// TypeDoc configuration for the whole monorepo (`pnpm docs` → docs/api).
//
// Every public package in packages/* is documented ("private": true ones such as @atom/test-db are skipped),
// so a package that lands later is picked up without editing this file. Each package's entry points are the
// source files behind its `exports` subpaths, read from its package.json by the option reader below; this file
// is therefore also loaded as a TypeDoc plugin (see `plugin` and `load`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const packagesDir = join(root, "packages");

/** @param {string} dir */
function readManifest(dir) {
  const file = join(dir, "package.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

/** Directories of packages/* that have a manifest and are not private. */
export function publicPackageDirs() {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(packagesDir, entry.name))
    .filter((dir) => {
      const manifest = readManifest(dir);
      return manifest !== undefined && manifest.private !== true;
    })
    .sort();
}

/** The built file an `exports` target points at (`import` condition first). */
function exportTarget(target) {
  if (typeof target === "string") return target;
  const branch = target.import ?? target.default ?? target.require;
  return typeof branch === "string" ? branch : branch.default;
}

/**
 * Source file behind each subpath of a package's `exports` map: `./dist/x.js` is built from `src/x.ts` or
 * `src/x/index.ts`. Throws when a subpath has no source file, so a new layout fails loudly instead of
 * silently going undocumented.
 * @param {string} dir
 */
export function subpathEntryPoints(dir) {
  const manifest = readManifest(dir);
  return Object.entries(manifest.exports ?? {})
    .filter(([subpath]) => subpath !== "./package.json")
    .map(([subpath, target]) => {
      const stem = exportTarget(target).replace(/^\.\/dist\//, "").replace(/\.(c|m)?js$/, "");
      const candidates = [`src/${stem}.ts`, `src/${stem}/index.ts`];
      const found = candidates.find((candidate) => existsSync(join(dir, candidate)));
      if (found === undefined) {
        throw new Error(`${manifest.name} "${subpath}": none of ${candidates.join(", ")} exists`);
      }
      return join(dir, found);
    });
}

/**
 * TypeDoc plugin hook: an option reader that runs for each package (after its tsconfig.json) and sets its
 * entry points to the sources of its subpath exports (and its known not-exported symbols).
 * @param {import("typedoc").Application} app
 */
export function load(app) {
  app.options.addReader({
    name: "atom-subpath-exports",
    order: 300,
    supportsPackages: true,
    read(container, _logger, cwd) {
      if (container.packageDir === undefined) return;
      const dir = resolve(cwd);
      container.setValue("entryPoints", subpathEntryPoints(dir), cwd);
      container.setValue("intentionallyNotExported", KNOWN_NOT_EXPORTED[readManifest(dir).name] ?? []);
    },
  });
}

/**
 * Known gaps, reported to the owning packages: public signatures that reference a symbol the package does not
 * export. Listed per package and by name, so any NEW unexported reference still fails the build.
 */
const KNOWN_NOT_EXPORTED = {
  "@atom/errors": ["src/builtins.ts:Preset"],
  "@atom/ledger": ["src/schemas.ts:accountSchema", "src/schemas.ts:invoiceSchema", "src/schemas.ts:postSchema"],
};

/**
 * Members TypeDoc asks TSDoc for that cannot carry any: the literal keys of enum types inferred from zod schemas
 * (`z.enum([...])`). Full names, so an unused entry is itself reported and the list cannot go stale. (Fields of
 * `z.object({...})` can carry TSDoc: write it on the shape's properties.)
 */
const zodEnumKeys = (owner, values) => values.map((value) => `${owner}.__type.${value}`);
const INTENTIONALLY_NOT_DOCUMENTED = [
  ...zodEnumKeys("@atom/errors.index.errorEnvelopeSchema.__type.severity", ["critical", "high", "info", "low", "medium"]),
  ...zodEnumKeys("@atom/workflow-engine.index.httpRequestConfigSchema.__type.bodyType", ["form", "json", "text"]),
  ...zodEnumKeys("@atom/workflow-engine.index.httpRequestConfigSchema.__type.method", ["DELETE", "GET", "PATCH", "POST", "PUT"]),
  ...zodEnumKeys("@atom/workflow-engine.index.RunCancelledError.__type.reason", ["aborted", "deadline"]),
];

/** Every public package, plus the root (types TypeDoc resolves to the workspace root, such as zod-inferred ones). */
const PACKAGES_REQUIRING_DOCUMENTATION = [
  "atom-sdk",
  ...publicPackageDirs().map((dir) => readManifest(dir).name),
];

/** Languages used in README and TSDoc code blocks. */
const HIGHLIGHT_LANGUAGES = ["bash", "console", "json", "jsonc", "javascript", "typescript", "tsx", "yaml", "sql", "python"];

/** @type {Partial<import("typedoc").TypeDocOptions>} */
export default {
  name: "Atom SDK",
  entryPointStrategy: "packages",
  entryPoints: publicPackageDirs().map((dir) => `./${relative(root, dir)}`),
  plugin: ["./typedoc.config.mjs"],
  out: "docs/api",
  // The landing page: what each package is, and links to the guides.
  readme: "docs/api-home.md",
  highlightLanguages: HIGHLIGHT_LANGUAGES,
  treatWarningsAsErrors: true,
  // Every exported symbol and member needs TSDoc; a missing comment fails `pnpm run docs` (and CI).
  validation: { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, notDocumented: true },
  intentionallyNotDocumented: INTENTIONALLY_NOT_DOCUMENTED,
  // Which packages' symbols must be documented (TypeDoc names a symbol's package by its nearest package.json).
  packagesRequiringDocumentation: PACKAGES_REQUIRING_DOCUMENTATION,
  packageOptions: {
    // No git remote in every checkout: link sources to the canonical repository instead of asking git.
    disableGit: true,
    gitRevision: "main",
    sourceLinkTemplate: "https://github.com/atom-sdk/atom/blob/{gitRevision}/{path}#L{line}",
    excludePrivate: true,
    excludeInternal: true,
    includeVersion: true,
  },
};
