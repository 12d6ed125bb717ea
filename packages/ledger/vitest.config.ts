import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "ledger", hookTimeout: 60_000, testTimeout: 30_000 },
});
