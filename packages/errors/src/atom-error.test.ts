import { afterEach, describe, expect, it } from "vitest";
import { AtomError, DatabaseError, UserNotFoundError } from "./index.js";

function throwSite(make: () => Error): Error {
  return make();
}

describe("AtomError stacks", () => {
  afterEach(() => {
    AtomError.captureClientStacks = false;
  });

  it("records frames for errors the default onError logs (5xx, high, critical)", () => {
    expect(throwSite(() => new DatabaseError()).stack).toContain("throwSite");
    expect(throwSite(() => new AtomError({ code: "X", message: "x", status: 409, severity: "high" })).stack).toContain(
      "throwSite",
    );
  });

  it("skips frame collection for client errors unless asked, and restores Error.stackTraceLimit", () => {
    const limit = Error.stackTraceLimit;
    const error = throwSite(() => new UserNotFoundError({ userId: "u1" }));
    expect(error.stack).toBe("UserNotFoundError: User not found (ID: u1)");
    expect(Error.stackTraceLimit).toBe(limit);
    expect(throwSite(() => new AtomError({ code: "X", message: "x", status: 404, captureStack: true })).stack).toContain(
      "throwSite",
    );
    AtomError.captureClientStacks = true;
    expect(throwSite(() => new UserNotFoundError({ userId: "u1" })).stack).toContain("throwSite");
  });
});
