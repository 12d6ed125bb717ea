import { startExpress } from "../../express/src/app.js";
import { startFastify } from "../../fastify/src/app.js";
import { startHono } from "../../hono/src/app.js";
import type { StartHost } from "./host.js";

/** Every host, by name. Imported by path (not as packages) so the example packages do not depend on each other. */
export const hosts: Record<"express" | "fastify" | "hono", StartHost> = {
  express: startExpress,
  fastify: startFastify,
  hono: startHono,
};
