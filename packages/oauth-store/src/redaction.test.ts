import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { scrubError, scrubText } from "./redaction.js";

describe("scrubText", () => {
  it("cuts a long token out before capping the text, so no prefix of it survives the cut", () => {
    const token = `tok${"x".repeat(16_000)}`;
    const out = scrubText(`upstream said: ${token} and more`, [token]);
    expect(out).toBe("upstream said: [redacted] and more");
  });

  it("cuts secret-looking pairs and auth schemes it was not told about", () => {
    expect(scrubText('grant_type=refresh_token&refresh_token=abc&client_secret=s3cr3t', [])).toBe(
      "grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]",
    );
    expect(scrubText('{"access_token": "abc", "id_token":"d,e \\"f"} Authorization: Bearer eyJ.x!y', [])).toBe(
      '{"access_token": "[redacted]", "id_token":"[redacted]"} Authorization: Bearer [redacted]',
    );
    expect(scrubText('body {"refresh_token": "abc-cut-off', [])).toBe('body {"refresh_token": "[redacted]');
  });
});

describe("scrubError", () => {
  it("keeps name, message, code and status, drops every other property and the stack frames, and scrubs the causes", () => {
    const inner = Object.assign(new Error("inner rt-1"), { code: "E_INNER" });
    const outer = Object.assign(new TypeError("outer rt-1", { cause: inner }), { status: 400, request: { body: "rt-1" } });
    const copy = scrubError(outer, ["rt-1"]);
    expect(copy).toMatchObject({ name: "TypeError", message: "outer [redacted]", status: 400 });
    expect(copy.stack).toBe("TypeError: outer [redacted]");
    expect(copy.cause).toMatchObject({ message: "inner [redacted]", code: "E_INNER" });
    expect(inspect(copy, { depth: 10, showHidden: true })).not.toContain("rt-1");
  });

  it("turns thrown non-errors into errors without printing more than their text", () => {
    expect(scrubError("refresh_token=abc", []).message).toBe("non-error value thrown: refresh_token=[redacted]");
    expect(scrubError({ toString: () => { throw new Error("no"); } }, []).message).toBe("non-error value thrown: unprintable value");
  });
});

describe("scrubText on hostile input", () => {
  // Unbounded, the patterns are quadratic on this input (minutes); bounded, it finishes within the test timeout.
  it("scans a bounded prefix of a huge message full of secret keys and an unclosed quote", () => {
    const out = scrubText(`${'token="'.repeat(200_000)}${"a".repeat(1_000_000)}`, []);
    expect(out.length).toBeLessThanOrEqual(501);
    expect(out.startsWith('token="[redacted]')).toBe(true);
  });
});
