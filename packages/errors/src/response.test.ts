import { STATUS_CODES } from "node:http";
import { z } from "zod";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AtomError,
  createErrorRenderer,
  DatabaseError,
  errorEnvelopeSchema,
  negotiateFormat,
  parseErrorResponse,
  parseInput,
  RateLimitedError,
  resolveRequestId,
  toAtomError,
  toErrorResponse,
  toSafeJson,
  UserNotFoundError,
  ValidationError,
} from "./index.js";

const fixed = { requestId: "req-1", now: () => new Date("2026-01-02T03:04:05.000Z") };

describe("toErrorResponse", () => {
  it("renders the envelope with exactly the documented keys, in order", () => {
    const { status, headers, body } = toErrorResponse(new UserNotFoundError({ userId: "abc123" }), fixed);
    expect(status).toBe(404);
    expect(JSON.stringify(body)).toBe(
      '{"success":false,"error_code":"USER_1101","message":"User not found (ID: abc123)","severity":"low",' +
        '"details":{"resource":"user","id":"abc123"},"timestamp":"2026-01-02T03:04:05.000Z","request_id":"req-1"}',
    );
    expect(headers).toMatchObject({ "content-type": "application/json; charset=utf-8", "x-request-id": "req-1" });
    expect(errorEnvelopeSchema.safeParse(body).success).toBe(true);
  });

  it("omits empty details", () => {
    const { body } = toErrorResponse(new AtomError({ code: "X_1", message: "x" }), fixed);
    expect(body).not.toHaveProperty("details");
  });

  it("turns a ZodError into VALIDATION_ERROR with path, message and code per issue", () => {
    const result = z.object({ email: z.email(), age: z.number() }).safeParse({ email: "nope", age: "x" });
    if (result.success) throw new Error("expected a failure");
    const { status, body } = toErrorResponse(result.error, fixed);
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error_code: "VALIDATION_ERROR",
      message: '"email" Invalid email address (and 1 more)',
      details: {
        field: "email",
        issues: [
          { path: ["email"], message: "Invalid email address", code: "invalid_format" },
          { path: ["age"], message: "Invalid input: expected number, received string", code: "invalid_type" },
        ],
      },
    });
  });

  it.each([
    ["a thrown string", "boom"],
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["a plain Error", new Error("db password is hunter2")],
    ["an object", { weird: true }],
  ])("renders %s as a generic INTERNAL_ERROR in production", (_label, thrown) => {
    const { status, body } = toErrorResponse(thrown, { ...fixed, production: true });
    expect(status).toBe(500);
    expect(body).toEqual({
      success: false,
      error_code: "INTERNAL_ERROR",
      message: "An internal error occurred",
      severity: "critical",
      timestamp: "2026-01-02T03:04:05.000Z",
      request_id: "req-1",
    });
  });

  it("shows the message and stack of an unknown error in development", () => {
    const { body } = toErrorResponse(new Error("kaput"), { ...fixed, production: false });
    expect(body).toMatchObject({
      error_code: "INTERNAL_ERROR",
      message: "Internal server error",
      details: { cause: { name: "Error", message: "kaput", stack: expect.stringContaining("kaput") } },
    });
    const thrown = toErrorResponse("just text", { ...fixed, production: false }).body;
    expect(thrown.details).toEqual({ cause: { value: "just text" } });
  });

  describe("without a production option", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
    });

    it.each([undefined, "test", "staging", "production", "Development"])(
      "sends the safe body when NODE_ENV is %s",
      (nodeEnv) => {
        vi.stubEnv("NODE_ENV", nodeEnv);
        const { body } = toErrorResponse(new Error("kaput at /srv/app/db.js"), fixed);
        expect(body).toEqual({
          success: false,
          error_code: "INTERNAL_ERROR",
          message: "An internal error occurred",
          severity: "critical",
          timestamp: "2026-01-02T03:04:05.000Z",
          request_id: "req-1",
        });
      },
    );

    it("shows development detail only when NODE_ENV is development", () => {
      vi.stubEnv("NODE_ENV", "development");
      const { body } = toErrorResponse(new Error("kaput"), fixed);
      expect(body.details).toMatchObject({ cause: { message: "kaput", stack: expect.stringContaining("kaput") } });
    });
  });

  it("never exposes 5xx messages or details in production, even of AtomErrors", () => {
    const error = new DatabaseError({ message: "relation users does not exist", details: { sql: "SELECT *" } });
    const { body } = toErrorResponse(error, { ...fixed, production: true });
    expect(body).toMatchObject({ error_code: "DATABASE_ERROR", message: "An internal error occurred" });
    expect(body).not.toHaveProperty("details");
  });

  it("redacts secrets and survives circular and BigInt details", () => {
    const details: Record<string, unknown> = {
      password: "hunter2",
      nested: { accessToken: "abc", Authorization: "Bearer x", apiKey: "k", ok: 1 },
      big: 12n,
      when: new Date("2026-01-01T00:00:00Z"),
      fn: () => 1,
    };
    details.self = details;
    const { body } = toErrorResponse(new AtomError({ code: "X", message: "x", details }), fixed);
    expect(body.details).toEqual({
      password: "[REDACTED]",
      nested: { accessToken: "[REDACTED]", Authorization: "[REDACTED]", apiKey: "[REDACTED]", ok: 1 },
      big: "12",
      when: "2026-01-01T00:00:00.000Z",
      self: "[Circular]",
    });
  });

  it("redacts every matching key, every time, with a global or sticky redact pattern and a remembered one", () => {
    for (const redact of [/secret/gi, /secret/iy, /secret/i]) {
      for (let round = 0; round < 3; round++) {
        const details = { secret: "a", secretKey: "b", nested: { secret: "c" }, userId: "u1" };
        const { body } = toErrorResponse(new AtomError({ code: "X", message: "x", details }), { ...fixed, redact });
        const flat = toErrorResponse(new AtomError({ code: "X", message: "x", details: { secret: "d" } }), { ...fixed, redact });
        expect(body.details, `${redact} round ${round}`).toEqual({
          secret: "[REDACTED]",
          secretKey: "[REDACTED]",
          nested: { secret: "[REDACTED]" },
          userId: "u1",
        });
        expect(flat.body.details).toEqual({ secret: "[REDACTED]" });
      }
    }
  });

  it("sends clients the plain message and details.field, keeping the package prefix in message and logs", () => {
    let thrown: unknown;
    try {
      parseInput(z.object({ state: z.string() }), { state: 7 }, "[@atom/oauth-store] consumeState");
    } catch (error) {
      thrown = error;
    }
    const { body } = toErrorResponse(thrown, fixed);
    expect(body).toMatchObject({
      error_code: "VALIDATION_ERROR",
      message: '"state" Invalid input: expected string, received number',
      details: { field: "state" },
    });
    expect((thrown as Error).message).toBe('[@atom/oauth-store] consumeState: "state" Invalid input: expected string, received number');
    const tagged = new AtomError({ code: "BAD_STATE", status: 400, message: "[@atom/oauth-store] [postgres] state must be a non-empty string" });
    for (const production of [true, false]) {
      expect(toErrorResponse(tagged, { ...fixed, production }).body).toMatchObject({ message: "state must be a non-empty string" });
    }
    expect(tagged.toJSON().message).toBe("[@atom/oauth-store] [postgres] state must be a non-empty string");
  });

  it("sends Retry-After for rate limits", () => {
    expect(toErrorResponse(new RateLimitedError({ retryAfter: 7 }), fixed).headers["retry-after"]).toBe("7");
  });

  it("renders RFC 9457 problem+json with the same code, severity and request id", () => {
    const { status, headers, body } = toErrorResponse(new UserNotFoundError({ userId: "u9" }), {
      ...fixed,
      format: "problem",
      problemTypeBase: "https://errors.example.com/",
    });
    expect(status).toBe(404);
    expect(headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(body).toEqual({
      type: "https://errors.example.com/USER_1101",
      title: "Not Found",
      status: 404,
      detail: "User not found (ID: u9)",
      error_code: "USER_1101",
      severity: "low",
      details: { resource: "user", id: "u9" },
      timestamp: "2026-01-02T03:04:05.000Z",
      request_id: "req-1",
    });
    expect(toErrorResponse(new ValidationError(), { ...fixed, format: "problem" }).body).toMatchObject({
      type: "about:blank",
      title: "Bad Request",
    });
  });

  it.each([
    [202, "Accepted"],
    [418, "I'm a Teapot"],
    [413, STATUS_CODES[413]],
    [507, "Insufficient Storage"],
    [299, "Error"],
  ])("titles a %i problem %s, as node:http names it", (status, title) => {
    const error = new AtomError({ code: "X", message: "x", status });
    expect(toErrorResponse(error, { ...fixed, format: "problem" }).body).toMatchObject({ status, title });
  });

  it("adds the RFC 9457 instance when one is given", () => {
    const { body } = toErrorResponse(new UserNotFoundError({ userId: "u9" }), { ...fixed, format: "problem", instance: "/users/u9" });
    expect(Object.keys(body).slice(0, 5)).toEqual(["type", "title", "status", "detail", "instance"]);
    expect(body).toMatchObject({ instance: "/users/u9" });
  });
});

describe("toAtomError", () => {
  it("passes on only the error-response headers of a plain headers property, which may be an upstream response's", () => {
    // As undici's ResponseStatusCodeError carries them: the upstream's headers, not this server's.
    const upstream = Object.assign(new Error("Response status code 429: Too Many Requests"), {
      status: 429,
      headers: { "set-cookie": "sid=upstream", "access-control-allow-origin": "*", location: "https://up/x", "retry-after": "5", "WWW-Authenticate": "Bearer" },
    });
    const { headers } = toErrorResponse(upstream, { requestId: "r1" });
    expect(headers).toMatchObject({ "retry-after": "5", "www-authenticate": "Bearer" });
    for (const leaked of ["set-cookie", "access-control-allow-origin", "location"]) expect(Object.keys(headers)).not.toContain(leaked);
    const boom = { isBoom: true, message: "slow", output: { statusCode: 429, headers: { "x-ratelimit-remaining": "0" } } };
    expect(toErrorResponse(boom, { requestId: "r1" }).headers["x-ratelimit-remaining"]).toBe("0");
  });

  it("keeps the status of http-errors and Boom style errors", () => {
    expect(toAtomError(Object.assign(new Error("Nope"), { status: 403 }))).toMatchObject({
      code: "FORBIDDEN",
      status: 403,
      message: "Nope",
    });
    expect(toAtomError({ isBoom: true, output: { statusCode: 418 }, message: "teapot" })).toMatchObject({
      code: "HTTP_418",
      status: 418,
    });
    expect(toAtomError(Object.assign(new Error("secret detail"), { statusCode: 503 }))).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: "Service Unavailable",
    });
  });

  it("reads inherited getters of another library's error class as plain property reads do", () => {
    class RateLimited extends Error {
      get status() {
        return 429;
      }
      get headers() {
        return { "Retry-After": 30 };
      }
    }
    class Hidden extends RateLimited {
      get expose() {
        return false;
      }
    }
    expect(toAtomError(new RateLimited("slow down"))).toMatchObject({
      code: "RATE_LIMITED",
      message: "slow down",
      headers: { "retry-after": "30" },
    });
    expect(toAtomError(new Hidden("internal reason")).message).toBe("Too Many Requests");
    const boomWithoutOutput = Object.assign(new Error("b"), { isBoom: true, statusCode: 404, headers: { "x-a": "1" } });
    expect(toAtomError(boomWithoutOutput)).toMatchObject({ status: 404 });
    expect(toAtomError(boomWithoutOutput).headers).toEqual({});
  });

  it("tries host mappers first", () => {
    const mapped = new AtomError({ code: "MAPPED", message: "m" });
    expect(toAtomError(new Error("x"), [() => mapped])).toBe(mapped);
  });
});

describe("negotiateFormat", () => {
  it.each([
    [undefined, "envelope"],
    ["application/json", "envelope"],
    ["application/problem+json", "problem"],
    ["application/json, application/problem+json", "problem"],
    ["application/problem+json;q=0.5, application/json", "envelope"],
    ["application/problem+json;q=0", "envelope"],
    ["*/*", "envelope"],
    ["APPLICATION/PROBLEM+JSON", "problem"],
    ["text/html, Application/Problem+Json;q=0.9, application/json;q=0.8", "problem"],
    ["*/*, application/problem+json;q=0.1", "envelope"],
    ["application/*;q=0.9, application/problem+json;q=0.5", "envelope"],
    ["application/problem+json, */*;q=0.5", "problem"],
    ["application/problem+json;q=5, application/json;q=0.5", "envelope"],
    ["application/problem+json;q=-1", "envelope"],
  ])("Accept %s → %s", (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});

describe("resolveRequestId", () => {
  it("echoes safe tokens and replaces unsafe ones", () => {
    expect(resolveRequestId("abc-123_x.y:z")).toBe("abc-123_x.y:z");
    expect(resolveRequestId(["first", "second"])).toBe("first");
    for (const bad of ["has space", "x".repeat(129), "a\nb", "", undefined, null]) {
      expect(resolveRequestId(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("prefers the framework's id when it is at most 255 token characters (UUIDs, req-1, base64)", () => {
    expect(resolveRequestId("from-header", "req-7")).toBe("req-7");
    expect(resolveRequestId("from-header", "AbC+/9=")).toBe("AbC+/9=");
    const unsafe = ["has space", "x".repeat(256), "a\r\nb", "", 42, null, "<script>alert(1)</script>", "${jndi:ldap://evil/a}", '"},"success":true', "id;evil=1,other"];
    for (const bad of unsafe) {
      expect(resolveRequestId("from-header", bad)).toBe("from-header");
    }
  });
});

describe("parseErrorResponse", () => {
  it("reads envelopes and problem documents, and rejects anything else", () => {
    const envelope = toErrorResponse(new UserNotFoundError({ userId: "u1" }), fixed).body;
    expect(parseErrorResponse(JSON.parse(JSON.stringify(envelope)))).toEqual(envelope);
    const problem = toErrorResponse(new UserNotFoundError({ userId: "u1" }), { ...fixed, format: "problem" }).body;
    expect(parseErrorResponse(problem)).toEqual(envelope);
    expect(parseErrorResponse({ success: true })).toBeUndefined();
    expect(parseErrorResponse("nope")).toBeUndefined();
  });
});

describe("a broken clock", () => {
  it("renders with the current time when `now` throws or gives an invalid date", () => {
    const before = Date.now();
    for (const now of [() => new Date(Number.NaN), () => { throw new Error("clock down"); }, () => "yesterday" as never]) {
      const { body } = toErrorResponse(new UserNotFoundError({ userId: "u1" }), { now });
      expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before - 1);
      const text = createErrorRenderer({ now, onError: () => undefined }).renderText(new UserNotFoundError({ userId: "u1" }), {});
      expect(Date.parse((JSON.parse(text.text) as { timestamp: string }).timestamp)).toBeGreaterThanOrEqual(before - 1);
    }
  });
});

describe("renderText", () => {
  it("writes exactly JSON.stringify of what render returns, for envelopes and problem documents", () => {
    const odd = new AtomError({
      code: 'Q"\\',
      message: "line\nbreak \u0000 \"quoted\" \ud800 \ud83d\ude00 </script>",
      status: 409,
      details: { nested: { list: [1, "two", null] }, big: 3n, text: "</script>" },
    });
    const flat = new AtomError({
      code: "FLAT",
      message: "é ü \u2028",
      status: 422,
      details: { "key \"q\"": 'v"\\', n: -0, f: 1.5e-7, big: 1e21, t: true, no: false, nil: null, 2: "two", 1: "one" },
    });
    const getter = new AtomError({
      code: "GETTER",
      message: "m",
      status: 400,
      details: Object.defineProperty({ a: 1 }, "b", {
        enumerable: true,
        get: () => {
          throw new Error("no");
        },
      }),
    });
    const errors = [odd, flat, getter, new UserNotFoundError({ userId: "u1" }), new DatabaseError(), new AtomError({ code: "E", message: "", status: 418 })];
    for (const production of [true, false]) {
      for (const format of ["envelope", "problem"] as const) {
        const renderer = createErrorRenderer({ now: fixed.now, production, format, onError: () => undefined });
        for (const error of errors) {
          for (const context of [{ requestId: "r=1/2+3" }, { requestId: "req-7" }, { requestIdHeader: "abc" }]) {
            const { status, headers, body } = renderer.render(error, context);
            const text = renderer.renderText(error, context);
            expect(text).toEqual({ status, headers, text: JSON.stringify(body) });
          }
        }
      }
    }
  });
});

describe("what was thrown cannot make rendering throw", () => {
  const throwing = () => {
    throw new Error("trap");
  };
  const trap = new Proxy({}, { get: throwing, has: throwing, getPrototypeOf: throwing, ownKeys: throwing, getOwnPropertyDescriptor: throwing });
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const hostile: [string, unknown, number][] = [
    ["a Proxy whose traps throw", trap, 500],
    ["a revoked Proxy", revocable.proxy, 500],
    ["an Error whose status and message getters throw", Object.create(Error.prototype, { status: { get: throwing }, message: { get: throwing } }), 500],
    ["an http error whose headers are a throwing Proxy", Object.assign(new Error("m"), { status: 404, headers: trap }), 500],
    ["an AtomError whose details became a throwing Proxy", Object.assign(new AtomError({ code: "X", message: "m", status: 409 }), { details: trap }), 409],
    ["an Error whose name throws when printed", Object.assign(new Error("m"), { name: { toString: throwing } }), 500],
  ];

  it("renders each as an error response in both modes, through toErrorResponse and a host's renderer", () => {
    for (const [what, value, status] of hostile) {
      for (const production of [true, false]) {
        expect(toErrorResponse(value, { production }).status, `${what} production=${production}`).toBe(status);
        const renderer = createErrorRenderer({ production, onError: () => undefined });
        const text = renderer.renderText(value, { requestId: "r1" });
        expect(text.status, what).toBe(status);
        expect(() => JSON.parse(text.text), what).not.toThrow();
        expect(renderer.render(value, { requestId: "r1" }).status, what).toBe(status);
      }
    }
  });

  it("ignores what a mapper returns unless it is an AtomError, and treats a mapper that throws as no answer", () => {
    const renderer = createErrorRenderer({ production: true, mappers: [() => ({ code: "FAKE" }) as never, throwing as never] });
    const { status, body } = renderer.render(Object.assign(new Error("gone"), { status: 410 }), {});
    expect(status).toBe(410);
    expect(body).toMatchObject({ error_code: "HTTP_410", message: "gone" });
  });

  it("answers a 500 when the host's request context cannot be read", () => {
    const context = Object.defineProperty({}, "accept", { get: throwing });
    const text = createErrorRenderer({ production: true }).renderText(new UserNotFoundError({ userId: "u" }), context);
    expect(text.status).toBe(500);
    expect(JSON.parse(text.text)).toMatchObject({ error_code: "INTERNAL_ERROR", message: "An internal error occurred" });
  });
});

describe("an error changed after it was made never renders as something other than an envelope", () => {
  it("refuses details that are not a plain object when the error is made", () => {
    for (const details of [new Date(0), new Map(), [1], new (class Thing {})()]) {
      expect(() => new AtomError({ code: "X", message: "m", details: details as never })).toThrow(expect.objectContaining({ code: "INVALID_ERROR_OPTIONS", details: { field: "details" } }));
    }
    expect(new AtomError({ code: "X", message: "m", details: Object.assign(Object.create(null), { a: 1 }) }).details).toEqual({ a: 1 });
  });

  it("sends a plain 500 envelope for a code, severity or message that is no longer a string of its kind", () => {
    const injected = { toString: () => 'CONFLICT","success":true,"x":"' };
    const changes: Record<string, unknown>[] = [{ code: injected }, { severity: "urgent" }, { publicMessage: injected }, { message: 5, publicMessage: undefined }, { details: new Date(0) }];
    for (const change of changes) {
      const error = Object.assign(new AtomError({ code: "CONFLICT", message: "m", status: 409, details: { a: 1 } }), change);
      for (const production of [true, false]) {
        const renderer = createErrorRenderer({ production, onError: () => undefined });
        const body = JSON.parse(renderer.renderText(error, {}).text);
        expect(parseErrorResponse(body), JSON.stringify(change)).toEqual(body);
        expect(body.success).toBe(false);
        expect(parseErrorResponse(toErrorResponse(error, { production }).body)).toBeDefined();
        if ("details" in change) expect(body).not.toHaveProperty("details");
        else expect(body).toMatchObject({ error_code: "INTERNAL_ERROR" });
      }
    }
  });
});

describe("details of any size render in bounded time and size", () => {
  it("truncates after 10,000 values, reads a sparse array of 2³² - 1 holes in bounded time, and names buffers", () => {
    const huge = { buffer: Buffer.alloc(2_000_000), list: new Array(2 ** 32 - 1), wide: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])) };
    const error = new AtomError({ code: "BIG", message: "m", status: 409, details: huge });
    const text = createErrorRenderer({ production: true }).renderText(error, {}).text;
    const body = JSON.parse(text);
    expect(body.details.buffer).toBe("[Binary 2000000 bytes]");
    expect(body.details.list.at(-1)).toBe("[Truncated]");
    expect(text.length).toBeLessThan(400_000);
    expect(toSafeJson(Object.fromEntries(Array.from({ length: 1_500 }, (_, i) => [`k${i}`, "v"])))).toEqual(
      expect.objectContaining({ k0: "v", k1499: "v" }),
    );
  });
});
