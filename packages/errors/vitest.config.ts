import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "errors",
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
  },
});
