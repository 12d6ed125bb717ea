// The ```ts blocks of a Markdown file, as the CI checks read them. A block preceded by `<!-- file: NAME -->` on the
// line just above its fence is a part of the file NAME: all parts of one name, in order, form one snippet, so a
// guide can build a program step by step. Every other block is a snippet of its own.
import { readFileSync } from "node:fs";

const FENCE = /^```(ts|typescript)\s*$/;
const FILE_MARKER = /^<!--\s*file:\s*([\w./-]+)\s*-->$/;

/**
 * @param {string} markdownFile
 * @returns {{ markdown: string, name: string | undefined, code: string, lineOf: (snippetLine: number) => number }[]}
 */
export function codeBlocks(markdownFile) {
  const lines = readFileSync(markdownFile, "utf8").split("\n");
  const snippets = [];
  const byName = new Map();
  let open;
  for (const [index, line] of lines.entries()) {
    if (open === undefined && FENCE.test(line.trim())) {
      const name = FILE_MARKER.exec((lines[index - 1] ?? "").trim())?.[1];
      open = { name, start: index + 2, code: [] };
    } else if (open !== undefined && line.trim() === "```") {
      let snippet = open.name === undefined ? undefined : byName.get(open.name);
      if (snippet === undefined) {
        snippet = { markdown: markdownFile, name: open.name, parts: [] };
        snippets.push(snippet);
        if (open.name !== undefined) byName.set(open.name, snippet);
      }
      snippet.parts.push({ start: open.start, code: open.code });
      open = undefined;
    } else if (open !== undefined) open.code.push(line);
  }
  return snippets.map(({ markdown, name, parts }) => ({
    markdown,
    name,
    code: parts.map((part) => part.code.join("\n")).join("\n"),
    lineOf(snippetLine) {
      let remaining = snippetLine;
      for (const part of parts) {
        if (remaining <= part.code.length) return part.start + remaining - 1;
        remaining -= part.code.length;
      }
      return parts[0].start;
    },
  }));
}
