import { packageBuild } from "../../tsup.base.js";

export default packageBuild(
  {
    index: "src/index.ts",
    postgres: "src/postgres/index.ts",
    mongodb: "src/mongodb/index.ts",
    testing: "src/testing/index.ts",
  },
  { external: ["mongodb", "vitest"] },
);
