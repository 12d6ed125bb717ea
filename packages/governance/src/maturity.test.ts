import { describe, expect, it } from "vitest";
import {
  ActionComplexity,
  complexityForAction,
  DEFAULT_ACTION_COMPLEXITY,
  effectiveMaturity,
  maturityFromConfidence,
  requiredMaturity,
  toComplexity,
} from "./index.js";

describe("maturityFromConfidence", () => {
  it.each([
    [0, "STUDENT"],
    [0.4999, "STUDENT"],
    [0.5, "INTERN"],
    [0.6999, "INTERN"],
    [0.7, "SUPERVISED"],
    [0.8999, "SUPERVISED"],
    [0.9, "AUTONOMOUS"],
    [1, "AUTONOMOUS"],
  ] as const)("%s → %s", (score, maturity) => {
    expect(maturityFromConfidence(score)).toBe(maturity);
  });
});

describe("effectiveMaturity", () => {
  it("lets the score win when the status claims more than it allows", () => {
    expect(effectiveMaturity("AUTONOMOUS", 0.6)).toBe("INTERN");
    expect(effectiveMaturity("SUPERVISED", 0.1)).toBe("STUDENT");
  });

  it("keeps the status when the score allows as much or more, or is absent", () => {
    expect(effectiveMaturity("INTERN", 0.95)).toBe("INTERN");
    expect(effectiveMaturity("SUPERVISED", 0.7)).toBe("SUPERVISED");
    expect(effectiveMaturity("AUTONOMOUS", null)).toBe("AUTONOMOUS");
    expect(effectiveMaturity("STUDENT")).toBe("STUDENT");
  });
});

describe("complexity", () => {
  it("maps each complexity to its minimum maturity and unknown values to AUTONOMOUS", () => {
    expect([1, 2, 3, 4].map(requiredMaturity)).toEqual(["STUDENT", "INTERN", "SUPERVISED", "AUTONOMOUS"]);
    for (const unknown of [0, 5, 2.5, -1, Number.NaN]) {
      expect(toComplexity(unknown)).toBe(ActionComplexity.CRITICAL);
      expect(requiredMaturity(unknown)).toBe("AUTONOMOUS");
    }
  });

  it("holds the default action table", () => {
    const byLevel = (level: number) =>
      Object.entries(DEFAULT_ACTION_COMPLEXITY)
        .filter(([, value]) => value === level)
        .map(([name]) => name);
    expect(byLevel(1)).toEqual(["search", "read", "list", "get", "fetch", "summarize"]);
    expect(byLevel(2)).toEqual(["analyze", "suggest", "draft", "generate", "recommend"]);
    expect(byLevel(3)).toEqual(["create", "update", "send_email", "post_message", "schedule", "submit_form"]);
    expect(byLevel(4)).toEqual(["delete", "execute", "deploy", "transfer", "payment", "approve"]);
  });

  it("looks actions up case-insensitively, treats unknown ones and prototype keys as CRITICAL, and takes overrides", () => {
    expect(complexityForAction("Send_Email")).toBe(3);
    expect(complexityForAction("launch_missiles")).toBe(4);
    expect(complexityForAction("constructor")).toBe(4);
    expect(complexityForAction("toString")).toBe(4);
    expect(complexityForAction("delete", { delete: 2 })).toBe(2);
    expect(complexityForAction("read", { read: 9 })).toBe(4);
  });
});
