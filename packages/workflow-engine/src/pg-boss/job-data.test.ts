import { describe, expect, it } from "vitest";
import { nodeJobDataSchema, readNodeJobData } from "./enqueue.js";

const id200 = "r".repeat(200);
const valid = { runId: "run-1", nodeId: "a" };

// Each case's data as a worker may find it in a job (parsed from JSON, or as a hostile writer could shape it).
const cases: [string, unknown][] = [
  ["ids only", valid],
  ["with generation and due", { ...valid, generation: 3, due: 1_700_000_000_000 }],
  ["generation 0", { ...valid, generation: 0 }],
  ["200-character ids", { runId: id200, nodeId: id200 }],
  ["201-character run id", { ...valid, runId: `${id200}x` }],
  ["empty node id", { ...valid, nodeId: "" }],
  ["NUL in the run id", { ...valid, runId: "run\u00001" }],
  ["numeric run id", { ...valid, runId: 1 }],
  ["missing node id", { runId: "run-1" }],
  ["negative generation", { ...valid, generation: -1 }],
  ["fractional due", { ...valid, due: 1.5 }],
  ["NaN generation", { ...valid, generation: Number.NaN }],
  ["infinite due", { ...valid, due: Number.POSITIVE_INFINITY }],
  ["unsafe integer due", { ...valid, due: 2 ** 60 }],
  ["string generation", { ...valid, generation: "1" }],
  ["null generation", { ...valid, generation: null }],
  ["generation present but undefined", { ...valid, generation: undefined }],
  ["an unknown key", { ...valid, extra: true }],
  ["__proto__ as a key", JSON.parse('{"runId":"run-1","nodeId":"a","__proto__":{"x":1}}')],
  ["valid approvals", { ...valid, approvals: { a: "approval-1" } }],
  ["empty approval id", { ...valid, approvals: { a: "" } }],
  ["approvals not a record", { ...valid, approvals: ["approval-1"] }],
  ["null", null],
  ["an array", [valid]],
  ["a string", "run-1:a"],
  ["no prototype", Object.assign(Object.create(null), valid)],
  ["a class instance", Object.assign(new (class Job {})(), valid)],
];

describe("readNodeJobData", () => {
  it.each(cases)("accepts %s exactly when nodeJobDataSchema does", (_label, data) => {
    const parsed = nodeJobDataSchema.safeParse(data);
    const read = readNodeJobData(data);
    expect(read !== undefined).toBe(parsed.success);
    if (parsed.success) expect(read).toEqual(parsed.data);
  });

  it("covers both outcomes", () => {
    const outcomes = new Set(cases.map(([, data]) => readNodeJobData(data) !== undefined));
    expect(outcomes).toEqual(new Set([true, false]));
  });
});
