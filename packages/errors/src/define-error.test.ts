import { z } from "zod";
import { describe, expect, it } from "vitest";
import { AtomError, defineError, isAtomError, toErrorResponse } from "./index.js";

const PaymentDeclined = defineError({
  code: "PAYMENT_DECLINED",
  status: 402,
  message: (d) => `Payment declined: ${d.reason}`,
  details: z.object({ reason: z.string().min(1), amount: z.number().int().positive().optional() }),
});

describe("defineError", () => {
  it("builds a class with the code, status, message function and validated details", () => {
    const error = new PaymentDeclined({ reason: "insufficient funds", amount: 1200 });
    expect(error).toBeInstanceOf(AtomError);
    expect(error).toBeInstanceOf(PaymentDeclined);
    expect(error).toMatchObject({
      name: "PaymentDeclinedError",
      code: "PAYMENT_DECLINED",
      status: 402,
      severity: "medium",
      message: "Payment declined: insufficient funds",
      details: { reason: "insufficient funds", amount: 1200 },
    });
    expect(PaymentDeclined.code).toBe("PAYMENT_DECLINED");
    expect(isAtomError(error, PaymentDeclined.code)).toBe(true);
  });

  it("refuses invalid details with INVALID_ERROR_DETAILS naming the field", () => {
    const attempt = () => new PaymentDeclined({ reason: "" });
    expect(attempt).toThrow(
      expect.objectContaining({
        code: "INVALID_ERROR_DETAILS",
        status: 500,
        details: expect.objectContaining({ errorCode: "PAYMENT_DECLINED", field: "reason" }),
      }),
    );
  });

  it("works without a details schema and with a fixed message, name and cause", () => {
    const Locked = defineError({ code: "ORDER_LOCKED", status: 409, message: "Order is locked", name: "OrderLocked" });
    const cause = new Error("row lock");
    const error = new Locked(undefined, { cause });
    expect(error).toMatchObject({ name: "OrderLocked", code: "ORDER_LOCKED", message: "Order is locked", details: {} });
    expect(error.cause).toBe(cause);
    expect(new Locked({}, { message: "Try later" }).message).toBe("Try later");
  });

  it("renders through toErrorResponse like any AtomError", () => {
    const { status, body } = toErrorResponse(new PaymentDeclined({ reason: "card expired" }), { requestId: "r1" });
    expect(status).toBe(402);
    expect(body).toMatchObject({ error_code: "PAYMENT_DECLINED", details: { reason: "card expired" } });
  });

  it("refuses a definition a host could not render when it is defined, not when the error is thrown", () => {
    const refused = (definition: unknown) => {
      try {
        defineError(definition as never);
      } catch (error) {
        return { code: (error as AtomError).code, field: (error as AtomError).details.field };
      }
      throw new Error("expected INVALID_ERROR_OPTIONS");
    };
    expect(refused({ code: "", message: "x" })).toEqual({ code: "INVALID_ERROR_OPTIONS", field: "code" });
    expect(refused({ code: "X", status: 1000, message: "x" })).toEqual({ code: "INVALID_ERROR_OPTIONS", field: "status" });
    expect(refused({ code: "X", severity: "fatal", message: "x" })).toEqual({ code: "INVALID_ERROR_OPTIONS", field: "severity" });
    expect(refused({ code: "X", message: 5 })).toEqual({ code: "INVALID_ERROR_OPTIONS", field: "message" });
    expect(refused({ code: "X", message: "x", details: { reason: "string" } })).toEqual({ code: "INVALID_ERROR_OPTIONS", field: "details" });
  });
});
