import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createWorkflowEngine } from "../index.js";

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
