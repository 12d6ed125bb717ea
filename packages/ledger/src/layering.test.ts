import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = dirname(fileURLToPath(import.meta.url));

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Each module's relative imports (type-only ones too: a circle of types is still a circle), as paths under src. */
const graph = new Map(
  modules(root).map((file) => {
    const imports = [...readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)\.js"/g)].map((m) => normalize(join(dirname(file), `${m[1]}.ts`)));
    return [relative(root, file), imports.map((path) => relative(root, path))];
  }),
);

function cycles(): string[] {
  const found: string[] = [];
  const visit = (node: string, stack: string[], done: Set<string>) => {
    const at = stack.indexOf(node);
    if (at >= 0) return void found.push([...stack.slice(at), node].join(" → "));
    if (done.has(node)) return;
    done.add(node);
    for (const next of graph.get(node) ?? []) visit(next, [...stack, node], done);
  };
  for (const node of graph.keys()) visit(node, [], new Set());
  return found;
}

describe("layering", () => {
  it("has no import circles", () => {
    expect(cycles()).toEqual([]);
  });

  it("keeps the invoice and recognition layer on the posting core's operations, never on ledger.ts or a storage", () => {
    for (const file of ["invoices.ts", "recognition-schedule.ts", "invoice-ledger.ts"]) {
      const imports = graph.get(file) ?? [];
      expect(imports, file).not.toContain("ledger.ts");
      expect(imports.filter((path) => path.startsWith("postgres") || path === "memory.ts"), file).toEqual([]);
    }
    expect(graph.get("core.ts") ?? []).not.toEqual(expect.arrayContaining(["invoices.ts"]));
    for (const file of ["core.ts", "posting-rules.ts"]) {
      expect((graph.get(file) ?? []).filter((path) => /invoice|recognition/.test(path)), file).toEqual([]);
    }
  });
});
