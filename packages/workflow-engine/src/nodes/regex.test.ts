import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createWorkflowEngine } from "../index.js";
import { compilePattern, estimatedProgramSize } from "./regex.js";

const CHILD = fileURLToPath(new URL("../../test/regex-child.ts", import.meta.url));
// Generous: the child needs a second or two to load tsx; a backtracking engine would need hours.
const HARD_KILL_MS = 30_000;

/** Runs the fixture in a real child process, SIGKILLed if it does not exit in time. */
function runChild(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), HARD_KILL_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout });
    });
  });
}

describe("matches runs on a linear-time engine", () => {
  it("a catastrophic pattern on a hostile input settles instead of freezing the process", async () => {
    const { code, signal, stdout } = await runChild();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(JSON.parse(stdout)).toEqual({ status: "success", branch: "false" });
  }, HARD_KILL_MS + 5_000);

  it("refuses patterns RE2 cannot run (lookaround, backreferences) at validation, naming the field", () => {
    const engine = createWorkflowEngine();
    const result = engine.validate({
      id: "w",
      version: 1,
      nodes: [{ id: "c", type: "condition", config: { conditionType: "matches", field: "a", value: "(a)\\1" } }],
      edges: [],
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({ nodeId: "c", field: "nodes.0.config.value", message: expect.stringContaining("RE2") }),
    ]);
  });
});

describe("matches work is bounded by program size and a per-node budget", () => {
  // 196 characters, within MAX_PATTERN_LENGTH, but 32,003 instructions: on 10,000 characters one test took 11 s.
  const huge = `${"(?:a?){1000}".repeat(16)}[^a]`;
  // 999 instructions: the largest program of this shape; a test on 2,000 characters is about 2M work units.
  const large = "(?:a?){498}[^a]";
  const subject = "a".repeat(2_000);
  const matches = (value: string) => ({ conditionType: "matches" as const, field: "s", value });

  it("estimates program sizes within a small factor of the compiled program, so huge patterns are refused before compiling", () => {
    const patterns = [
      huge,
      large,
      "^(a+)+$",
      "((a{10}){10}){10}",
      "x{0,1000}y{0,1000}",
      "(\\pL|\\pN|\\pP|\\pS){1000}",
      "(a|b|c|d|e|f|g|h|i|j){100}",
      "(?:ab|cd|ef|gh){250}",
      "(?i)^(?:https?://)?(?:www\\.)?example\\.(?:com|org|net)(?:/.*)?$",
      "\\Qa.b{3}\\E{100}",
      "[]a]{100}",
      "[[:alpha:]]{500}",
      "(?P<x>ab){300}",
      "\\x{41}{900}",
    ];
    for (const pattern of patterns) {
      const ratio = estimatedProgramSize(pattern) / compilePattern(pattern, false).programSize();
      expect(ratio, pattern).toBeGreaterThanOrEqual(0.5);
      // Within the slack `patternProblem` allows the estimate, so no pattern under the cap is refused unseen.
      expect(ratio, pattern).toBeLessThanOrEqual(5);
    }
  });

  it("refuses a pattern that compiles to more than MAX_PATTERN_PROGRAM instructions at validation", () => {
    const result = createWorkflowEngine().validate({
      id: "w",
      version: 1,
      nodes: [{ id: "c", type: "condition", config: matches(huge) }],
      edges: [],
    });
    expect(result.problems).toEqual([
      {
        nodeId: "c",
        field: "nodes.0.config.value",
        message: "pattern too large: more than 1000 instructions once compiled (lower its repeat counts)",
      },
    ]);
  });

  it("fails the node with VALIDATION_ERROR when a templated pattern compiles too large", async () => {
    const result = await createWorkflowEngine().run(
      { id: "w", version: 1, nodes: [{ id: "c", type: "condition", config: matches("{{ $run.input.p }}") }], edges: [] },
      { p: huge, s: subject },
    );
    expect(result.status).toBe("failed");
    expect(result.nodes.c).toMatchObject({
      attempts: 1,
      error: {
        code: "VALIDATION_ERROR",
        message: '[@atom/workflow-engine] node "c" config.value after templates: pattern too large: more than 1000 instructions once compiled (lower its repeat counts)',
        details: { field: "config.value" },
      },
    });
  });

  it("shares MAX_MATCH_WORK across the tests of one condition node", async () => {
    const result = await createWorkflowEngine().run(
      { id: "w", version: 1, nodes: [{ id: "c", type: "condition", config: { any: [matches(large), matches(large), matches(large)] } }], edges: [] },
      { s: subject },
    );
    expect(result.nodes.c?.error).toMatchObject({
      code: "NODE_INPUT_INVALID",
      details: { field: "s", reason: "matches work over 5000000 (pattern instructions × field characters) in one node" },
    });
  });

  it("shares MAX_MATCH_WORK across the items of one filter node", async () => {
    const result = await createWorkflowEngine().run(
      {
        id: "w",
        version: 1,
        nodes: [{ id: "f", type: "transform", config: { operation: "filter", condition: matches(large) } }],
        edges: [],
      },
      [{ s: subject }, { s: subject }, { s: subject }],
    );
    expect(result.nodes.f?.error).toMatchObject({ code: "NODE_INPUT_INVALID", details: { field: "s" } });
  });

  it("keeps ordinary patterns on long subjects well within the budget", async () => {
    // 17 instructions × 10,000 characters × 25 items: 4.25M of the 5M.
    const items = Array.from({ length: 25 }, (_, i) => ({ s: `${"x".repeat(9_985)}${i}@example.com` }));
    const result = await createWorkflowEngine().run(
      {
        id: "w",
        version: 1,
        nodes: [{ id: "f", type: "transform", config: { operation: "filter", condition: matches("[a-z0-9]+@example\\.com$") } }],
        edges: [],
      },
      items,
    );
    expect(result.status).toBe("success");
    expect(result.nodes.f?.output).toHaveLength(25);
  });
});
