import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "flags",
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
  },
});
