import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { errorHandler as expressErrorHandler, notFoundHandler as expressNotFound } from "./express.js";
import { atomErrors } from "./fastify.js";
import { errorHandler as honoErrorHandler, notFoundHandler as honoNotFound } from "./hono.js";
import { AtomError, createErrorRenderer, toErrorResponse, toSafeJson, UserNotFoundError } from "./index.js";

/** The VALIDATION_ERROR `make` throws, as `{ code, field }`. */
function refusal(make: () => unknown): { code: unknown; field: unknown } {
  try {
    make();
  } catch (error) {
    const atom = error as AtomError;
    return { code: atom.code, field: atom.details.field };
  }
  throw new Error("expected a refusal");
}

const bad: [string, Record<string, unknown>][] = [
  ["redact", { redact: "secret" }],
  ["mappers", { mappers: "ab" }],
  ["mappers.0", { mappers: [1] }],
  ["now", { now: 5 }],
  ["production", { production: "false" }],
  ["format", { format: "xml" }],
  ["problemTypeBase", { problemTypeBase: 5 }],
  ["productoin", { productoin: false }],
];

describe("options are checked where they are given", () => {
  it("toErrorResponse refuses unknown keys and values of the wrong type, naming the option", () => {
    for (const [field, options] of bad) {
      expect(refusal(() => toErrorResponse(new UserNotFoundError({ userId: "u" }), options as never))).toEqual({ code: "VALIDATION_ERROR", field });
    }
  });

  it("toErrorResponse refuses a requestId it could not send as a header", () => {
    for (const requestId of ["a\r\nset-cookie: x=1", "", "with space", "x".repeat(256)]) {
      expect(refusal(() => toErrorResponse(new Error("x"), { requestId }))).toEqual({ code: "VALIDATION_ERROR", field: "requestId" });
    }
    expect(toErrorResponse(new Error("x"), { requestId: "req-1" }).headers["x-request-id"]).toBe("req-1");
  });

  it("createErrorRenderer and every host handler refuse bad options when they are made, not on the first error", () => {
    const makers: [string, (options: never) => unknown][] = [
      ["createErrorRenderer", (o) => createErrorRenderer(o)],
      ["express errorHandler", (o) => expressErrorHandler(o)],
      ["express notFoundHandler", (o) => expressNotFound(o)],
      ["hono errorHandler", (o) => honoErrorHandler(o)],
      ["hono notFoundHandler", (o) => honoNotFound(o)],
    ];
    for (const [name, make] of makers) {
      for (const [field, options] of [...bad, ["onError", { onError: "log" }], ["logger", { logger: console.log }]] as const) {
        expect(refusal(() => make(options as never)), `${name} ${JSON.stringify(options)}`).toEqual({ code: "VALIDATION_ERROR", field });
      }
    }
    expect(refusal(() => createErrorRenderer({}, ["x" as never]))).toEqual({ code: "VALIDATION_ERROR", field: "0" });
    expect(refusal(() => expressErrorHandler({ requestId: "id" as never }))).toEqual({ code: "VALIDATION_ERROR", field: "requestId" });
    expect(refusal(() => honoErrorHandler({ requestId: () => "x" } as never))).toEqual({ code: "VALIDATION_ERROR", field: "requestId" });
  });

  it("the Fastify plugin fails registration on bad options, and accepts Fastify's own register options", async () => {
    const app = Fastify();
    await expect(app.register(atomErrors, { redact: "secret" } as never)).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "redact" } });
    const ok = Fastify();
    await ok.register(atomErrors, { prefix: "/api", logLevel: "warn", production: true } as never);
    ok.get("/x", async () => {
      throw new UserNotFoundError({ userId: "u" });
    });
    const res = await ok.inject({ method: "GET", url: "/x" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error_code: "USER_1101" });
    await ok.close();
  });

  it("toSafeJson refuses a pattern that is not a RegExp", () => {
    expect(refusal(() => toSafeJson({ a: 1 }, "a" as never))).toEqual({ code: "VALIDATION_ERROR", field: "pattern" });
  });
});

describe("rendering never fails on an error changed after it was made", () => {
  it("sends 500 with the generic message for a status Node could not send, and drops headers it could not write", () => {
    const error = new AtomError({ code: "X", message: "secret detail", status: 409, headers: { "retry-after": "5" } });
    Object.assign(error, { status: 9999, headers: { "retry-after": "5", "x-bad": "a\r\nset-cookie: x=1", "a b": "1" } });
    const { status, headers, body } = toErrorResponse(error, { production: true });
    expect(status).toBe(500);
    expect(body).toMatchObject({ message: "An internal error occurred" });
    expect(headers["retry-after"]).toBe("5");
    expect(Object.keys(headers)).not.toContain("x-bad");
    expect(Object.keys(headers)).not.toContain("a b");
    const text = createErrorRenderer({ production: true }).renderText(error, {});
    expect(text.status).toBe(500);
    expect(text.text).not.toContain("secret detail");
  });
});
