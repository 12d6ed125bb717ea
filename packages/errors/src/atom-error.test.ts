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

describe("AtomError options", () => {
  const invalid = (options: unknown) => {
    try {
      new AtomError(options as never);
    } catch (error) {
      return { code: (error as AtomError).code, status: (error as AtomError).status, field: (error as AtomError).details.field };
    }
    throw new Error("expected INVALID_ERROR_OPTIONS");
  };

  it("refuses options a host could not render, naming the field", () => {
    const base = { code: "X", message: "m" };
    const cases: [unknown, string][] = [
      [undefined, "options"],
      [{ ...base, code: "" }, "code"],
      [{ ...base, code: 5 }, "code"],
      [{ ...base, code: "HAS SPACE" }, "code"],
      [{ ...base, message: { a: 1 } }, "message"],
      [{ ...base, publicMessage: 1 }, "publicMessage"],
      [{ ...base, status: 9999 }, "status"],
      [{ ...base, status: 199 }, "status"],
      [{ ...base, status: 404.5 }, "status"],
      [{ ...base, status: "404" }, "status"],
      [{ ...base, severity: "bogus" }, "severity"],
      [{ ...base, details: [1, 2] }, "details"],
      [{ ...base, details: null }, "details"],
      [{ ...base, expose: "yes" }, "expose"],
      [{ ...base, captureStack: 1 }, "captureStack"],
      [{ ...base, headers: { "a b": "x" } }, "headers"],
      [{ ...base, headers: { "x-a": "x\r\nset-cookie: y" } }, "headers"],
      [{ ...base, headers: { "retry-after": 5 } }, "headers"],
    ];
    for (const [options, field] of cases) {
      expect(invalid(options), JSON.stringify(options)).toEqual({ code: "INVALID_ERROR_OPTIONS", status: 500, field });
    }
    expect(new AtomError({ ...base, status: 200, severity: "info", headers: { "Retry-After": "5" } }).status).toBe(200);
  });

  it("is named AtomError, whatever the bundler called the class", () => {
    expect(new AtomError({ code: "X", message: "m" }).name).toBe("AtomError");
    expect(AtomError.name).toBe("AtomError");
    expect(new UserNotFoundError({ userId: "u" }).name).toBe("UserNotFoundError");
  });
});
