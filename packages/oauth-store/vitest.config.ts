import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "oauth-store",
    // PGlite boots a WebAssembly Postgres per test file, which takes seconds on a busy machine.
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
  },
});
