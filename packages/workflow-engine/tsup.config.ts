import { packageBuild } from "../../tsup.base.js";

export default packageBuild(["src/index.ts", "src/http.ts", "src/postgres.ts", "src/pg-boss.ts"]);
