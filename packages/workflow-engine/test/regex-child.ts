// Runs in a child process (see src/nodes/regex.test.ts): a catastrophic pattern on a hostile input must settle at
// once. On a backtracking engine this process never gets to print, and the parent kills it.
import { createWorkflowEngine } from "../src/index.js";

const engine = createWorkflowEngine();
const result = await engine.run(
  {
    id: "redos",
    version: 1,
    nodes: [{ id: "check", type: "condition", config: { conditionType: "matches", field: "name", value: "^(a+)+$" } }],
    edges: [],
  },
  { name: `${"a".repeat(48)}!` },
  { deadlineMs: 100 },
);
process.stdout.write(JSON.stringify({ status: result.status, branch: result.nodes.check?.branch }));
