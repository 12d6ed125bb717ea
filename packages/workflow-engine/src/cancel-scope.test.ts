import { describe, expect, it, vi } from "vitest";
import { CancelScope } from "./cancel-scope.js";

describe("CancelScope.abortEmitter", () => {
  it("calls each abort listener once with the scope's state, like an EventEmitter", () => {
    const scope = new CancelScope();
    const emitter = scope.abortEmitter;
    const seen: unknown[] = [];
    emitter.once("abort", () => seen.push(["once", emitter.aborted, emitter.reason]));
    emitter.on("abort", () => seen.push(["on", emitter.aborted, emitter.reason]));
    expect(emitter.aborted).toBe(false);
    scope.abort("stop");
    scope.abort("again");
    expect(seen).toEqual([
      ["once", true, "stop"],
      ["on", true, "stop"],
    ]);
    expect(scope.abortEmitter).toBe(emitter);
  });

  it("never calls a listener removed before the abort", () => {
    const scope = new CancelScope();
    const listener = vi.fn();
    const kept = vi.fn();
    scope.abortEmitter.once("abort", listener).once("abort", kept).removeListener("abort", listener);
    scope.abort("stop");
    expect(listener).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledOnce();
  });

  it("never calls a listener added after the abort (undici checks `aborted` first)", () => {
    const scope = new CancelScope();
    scope.abort("stop");
    const late = vi.fn();
    scope.abortEmitter.once("abort", late);
    expect(late).not.toHaveBeenCalled();
    expect(scope.abortEmitter.aborted).toBe(true);
  });

  it("aborts the lazily made AbortSignal with the same reason, even when made after the abort", () => {
    const before = new CancelScope();
    const signal = before.signal;
    before.abort("early");
    expect([signal.aborted, signal.reason]).toEqual([true, "early"]);
    const after = new CancelScope();
    after.abort("late");
    expect([after.signal.aborted, after.signal.reason]).toEqual([true, "late"]);
  });
});

describe("CancelScope.link", () => {
  it("aborts a linked child with the parent's reason, now if the parent already aborted, and never once unlinked", () => {
    const parent = new CancelScope();
    const child = new CancelScope();
    const unlinked = new CancelScope();
    parent.link(child);
    parent.link(unlinked);
    parent.unlink(unlinked);
    parent.abort("stop");
    expect([child.aborted, child.reason]).toEqual([true, "stop"]);
    expect(unlinked.aborted).toBe(false);
    const late = new CancelScope();
    parent.link(late);
    expect([late.aborted, late.reason]).toEqual([true, "stop"]);
  });

  it("keeps the other callbacks, in order, when one in the middle is removed", () => {
    const scope = new CancelScope();
    const seen: string[] = [];
    const callback = (name: string) => () => void seen.push(name);
    const b = callback("b");
    scope.onAbort(callback("a"));
    scope.onAbort(b);
    scope.onAbort(callback("c"));
    scope.offAbort(b);
    scope.abort("stop");
    expect(seen).toEqual(["a", "c"]);
  });
});
