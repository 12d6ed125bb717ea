import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "workflow-engine",
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
  },
});
