import { packageBuild } from "../../tsup.base.js";

export default packageBuild(["src/index.ts", "src/express.ts", "src/fastify.ts", "src/hono.ts", "src/postgres.ts"]);
