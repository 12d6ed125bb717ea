// Checks that every relative link in docs/**/*.md, README.md and packages/*/README.md resolves to a file or
// directory in the repository (and, for `#anchor` links into Markdown, to a heading). External links
// (http:, https:, mailto:) are not fetched. Exits 1 listing every broken link.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Markdown files under `dir`, skipping generated output (docs/api) and node_modules. */
function markdownFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === "node_modules" || path === join(root, "docs", "api") ? [] : markdownFiles(path);
    }
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

function packageReadmes() {
  const packages = join(root, "packages");
  return readdirSync(packages)
    .map((name) => join(packages, name, "README.md"))
    .filter((path) => existsSync(path));
}

/** GitHub-style heading slug: lower case, punctuation dropped, spaces to dashes. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchors(markdownFile) {
  const seen = new Map();
  const result = new Set();
  for (const match of stripCode(readFileSync(markdownFile, "utf8")).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(match[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Removes fenced code blocks and inline code so examples are not mistaken for links or headings. */
function stripCode(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1\s*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Link targets: inline `[text](target)` / `![alt](target)` and reference definitions `[id]: target`. */
function linkTargets(text) {
  const body = stripCode(text);
  const inline = [...body.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...body.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

function isExternal(target) {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}

function check(file) {
  const problems = [];
  for (const target of linkTargets(readFileSync(file, "utf8"))) {
    if (isExternal(target)) continue;
    const [pathPart, anchor] = target.split("#", 2);
    const resolved = pathPart === "" ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    if (!existsSync(resolved)) {
      problems.push(`${target} (no such file: ${relative(root, resolved)})`);
      continue;
    }
    if (anchor && resolved.endsWith(".md") && statSync(resolved).isFile() && !anchors(resolved).has(anchor)) {
      problems.push(`${target} (no heading #${anchor} in ${relative(root, resolved)})`);
    }
  }
  return problems.map((problem) => `${relative(root, file)}: ${problem}`);
}

const files = [join(root, "README.md"), ...markdownFiles(join(root, "docs")), ...packageReadmes()].filter(
  (path) => existsSync(path),
);
const broken = files.flatMap(check);
if (broken.length > 0) {
  console.error(`Broken relative links (${broken.length}):\n  ${broken.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-links: ${files.length} Markdown files, every relative link resolves.`);
