import { describe, expect, it } from "vitest";
import { StatementMemo } from "./statement-memo.js";

describe("StatementMemo", () => {
  it("gives the same text for equal keys, made once, whatever string objects the keys are", () => {
    const memo = new StatementMemo<[string, boolean]>();
    let made = 0;
    const make = (base: string) => () => `WITH x AS (${base}) SELECT ${++made}`;
    const base = ["SELECT", "1"].join(" ");
    const first = memo.get([base, true], make(base));
    // Equal content, another string object: still the first text.
    expect(memo.get([["SELECT", "1"].join(" "), true], make(base))).toBe(first);
    expect(made).toBe(1);
    expect(memo.get([base, false], make(base))).not.toBe(first);
    expect(made).toBe(2);
  });

  it("keeps the newest entries only", () => {
    const memo = new StatementMemo<[number], string | undefined>(2);
    let made = 0;
    const make = () => {
      made++;
      return made % 2 === 0 ? undefined : `text ${made}`;
    };
    memo.get([1], make);
    memo.get([2], make);
    expect(memo.get([2], make)).toBeUndefined(); // remembered, undefined included
    memo.get([3], make); // forgets 1
    expect(made).toBe(3);
    memo.get([1], make);
    expect(made).toBe(4);
  });
});
