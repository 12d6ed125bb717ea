import { describe, expect, it } from "vitest";
import { isStatementError } from "./statement-error.js";

const coded = (code: unknown) => Object.assign(new Error("failed"), { code });

describe("isStatementError", () => {
  it("is true for what Postgres says of a statement's text: syntax, access rule, unsupported feature, data", () => {
    expect(["42601", "42P01", "42883", "0A000", "22P02"].map((code) => isStatementError(coded(code)))).toEqual([true, true, true, true, true]);
  });

  it("is false for passing failures and for state of the connection rather than the text", () => {
    // 42P05: a prepared statement of that name already exists on the connection (a pooler that shares backends).
    const passing = ["40P01", "40001", "57P01", "57014", "08006", "53300", "42P05", "26000", "XX000"].map((code) => isStatementError(coded(code)));
    expect(passing).toEqual(passing.map(() => false));
    expect([isStatementError(new Error("Connection terminated unexpectedly")), isStatementError(undefined), isStatementError(coded("42601 "))]).toEqual([false, false, false]);
  });
});
