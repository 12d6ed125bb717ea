import { describe, expect, it } from "vitest";
import {
  AgentNotFoundError,
  AlreadyExistsError,
  AtomError,
  ConflictError,
  DatabaseError,
  ExternalServiceError,
  ForbiddenError,
  InternalError,
  isAtomError,
  NotFoundError,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UserAlreadyExistsError,
  UserNotFoundError,
  ValidationError,
} from "./index.js";

describe("built-in errors", () => {
  it.each([
    [new ValidationError({ field: "email" }), "VALIDATION_ERROR", 400, "medium", 'Invalid value for "email"'],
    [new NotFoundError({ resource: "invoice", id: "inv_1" }), "NOT_FOUND", 404, "low", "Invoice not found (ID: inv_1)"],
    [new UserNotFoundError({ userId: "abc123" }), "USER_1101", 404, "low", "User not found (ID: abc123)"],
    [new AgentNotFoundError({ agentId: "agent-7" }), "AGENT_NOT_FOUND", 404, "low", "Agent not found (ID: agent-7)"],
    [new AlreadyExistsError({ resource: "team" }), "ALREADY_EXISTS", 409, "low", "Team already exists"],
    [new UserAlreadyExistsError({ email: "a@b.co" }), "USER_1102", 409, "low", "User already exists (email: a@b.co)"],
    [new ConflictError(), "CONFLICT", 409, "medium", "Conflict with the current state"],
    [new UnauthorizedError(), "UNAUTHORIZED", 401, "medium", "Authentication required"],
    [new ForbiddenError(), "FORBIDDEN", 403, "medium", "Not allowed"],
    [new RateLimitedError({ retryAfter: 30 }), "RATE_LIMITED", 429, "low", "Too many requests"],
    [new DatabaseError(), "DATABASE_ERROR", 500, "high", "Database operation failed"],
    [new ExternalServiceError({ service: "slack" }), "EXTERNAL_SERVICE_ERROR", 502, "high", 'External service "slack" failed'],
    [new TimeoutError({ timeoutMs: 50 }), "TIMEOUT", 504, "high", "Operation timed out"],
    [new InternalError(), "INTERNAL_ERROR", 500, "critical", "Internal server error"],
  ])("%s has its code, status, severity and message", (error, code, status, severity, message) => {
    expect(error).toBeInstanceOf(AtomError);
    expect(error).toMatchObject({ code, status, severity, message });
    expect(error.expose).toBe(status < 500);
    expect(isAtomError(error)).toBe(true);
    expect(isAtomError(error, code)).toBe(true);
    expect(isAtomError(error, "OTHER")).toBe(false);
  });

  it("keeps the class hierarchy and names", () => {
    const error = new UserNotFoundError({ userId: "u1" });
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.name).toBe("UserNotFoundError");
    expect(error.details).toEqual({ resource: "user", id: "u1" });
  });

  it("puts Retry-After on rate-limit errors, rounded up", () => {
    const error = new RateLimitedError({ retryAfter: 1.2 });
    expect(error.retryAfter).toBe(2);
    expect(error.headers).toEqual({ "retry-after": "2" });
    expect(error.details).toEqual({ retryAfter: 2 });
    expect(new RateLimitedError().headers).toEqual({});
  });

  it("keeps the cause and accepts a custom message and extra details", () => {
    const cause = new Error("socket hang up");
    const error = new ExternalServiceError({ service: "gmail", cause, message: "Gmail is down", details: { attempt: 3 } });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe("Gmail is down");
    expect(error.details).toEqual({ service: "gmail", attempt: 3 });
  });

  it("derives status from severity and severity from status", () => {
    expect(new AtomError({ code: "X", message: "x", severity: "critical" }).status).toBe(500);
    expect(new AtomError({ code: "X", message: "x", severity: "low" }).status).toBe(400);
    expect(new AtomError({ code: "X", message: "x", severity: "info" }).status).toBe(200);
    expect(new AtomError({ code: "X", message: "x", status: 503 }).severity).toBe("high");
    expect(new AtomError({ code: "X", message: "x", status: 404 }).severity).toBe("medium");
    expect(new AtomError({ code: "X", message: "x" })).toMatchObject({ severity: "medium", status: 400 });
  });

  it("recognizes an error made by another copy of the package by its brand", () => {
    const foreign = Object.assign(Object.create(Error.prototype), { code: "USER_1101", message: "x" });
    expect(isAtomError(foreign)).toBe(false);
    Object.defineProperty(foreign, Symbol.for("@atom/errors.AtomError"), { value: true });
    expect(isAtomError(foreign, "USER_1101")).toBe(true);
    expect(isAtomError(null)).toBe(false);
    expect(isAtomError("USER_1101")).toBe(false);
  });

  it("serializes its public fields with toJSON", () => {
    expect(JSON.parse(JSON.stringify(new UserNotFoundError({ userId: "u1" })))).toEqual({
      name: "UserNotFoundError",
      code: "USER_1101",
      message: "User not found (ID: u1)",
      severity: "low",
      status: 404,
      details: { resource: "user", id: "u1" },
    });
  });
});
