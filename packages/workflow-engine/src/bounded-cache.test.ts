import { describe, expect, it } from "vitest";
import { BoundedCache } from "./bounded-cache.js";

describe("BoundedCache", () => {
  it("computes a value once per key and never holds more than its size, dropping the oldest", () => {
    const cache = new BoundedCache<number>(3);
    let made = 0;
    const get = (key: string) => cache.get(key, () => ++made);
    expect([get("a"), get("b"), get("a"), get("c")]).toEqual([1, 2, 1, 3]);
    expect(made).toBe(3);
    for (let i = 0; i < 100; i++) get(`k${i}`);
    expect(cache.count).toBe(3);
    expect(get("k99")).toBe(103);
    expect(get("a")).toBe(104);
  });

  it("remembers nothing when computing the value throws", () => {
    const cache = new BoundedCache<number>(2);
    expect(() => cache.get("bad", () => { throw new Error("no"); })).toThrow("no");
    expect(cache.count).toBe(0);
  });
});
