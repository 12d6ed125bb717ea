import { packageBuild } from "../../tsup.base.js";

export default packageBuild(["src/index.ts", "src/postgres.ts", "src/testing.ts"], { external: ["vitest"] });
