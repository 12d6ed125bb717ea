import { describe, expect, it } from "vitest";
import { randomRunId } from "./run-id.js";

describe("randomRunId", () => {
  it("makes distinct version 4 UUIDs across refills of its random pool", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = randomRunId();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
  });
});
