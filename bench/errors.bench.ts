import Boom from "@hapi/boom";
import { AtomError, toErrorResponse, UserNotFoundError } from "@atom/errors";
import createHttpError from "http-errors";
import { bench, describe } from "vitest";

const options = { requestId: "req-1", production: true };

describe("construct + serialize a 404 error", () => {
  bench("@atom/errors (UserNotFoundError + toErrorResponse + JSON)", () => {
    const { body } = toErrorResponse(new UserNotFoundError({ userId: "abc123" }), options);
    JSON.stringify(body);
  });

  // What the row above skips: a client error records no stack frames unless asked (`captureStack`).
  bench("@atom/errors (AtomError 404 with captureStack: true + toErrorResponse + JSON)", () => {
    const error = new AtomError({
      code: "USER_1101",
      status: 404,
      message: "User not found (ID: abc123)",
      details: { userId: "abc123" },
      captureStack: true,
    });
    JSON.stringify(toErrorResponse(error, options).body);
  });

  bench("@hapi/boom (Boom.notFound + output.payload + JSON)", () => {
    const error = Boom.notFound("User not found (ID: abc123)", { userId: "abc123" });
    JSON.stringify(error.output.payload);
  });

  bench("http-errors (createError(404) + JSON)", () => {
    const error = createHttpError(404, "User not found (ID: abc123)", { userId: "abc123" });
    JSON.stringify({ status: error.status, message: error.message, userId: (error as { userId?: string }).userId });
  });
});
