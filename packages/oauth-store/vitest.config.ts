import { defineProject } from "vitest/config";

export default defineProject({
  // PGlite boots a WebAssembly Postgres per test file, which takes seconds on a busy machine.
  test: { name: "oauth-store", hookTimeout: 60_000 },
});
