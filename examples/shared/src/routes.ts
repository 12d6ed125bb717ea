import type { ExampleServices } from "./services.js";

/** `GET /health`. */
export function health(services: ExampleServices): { status: "ok"; database: ExampleServices["database"] } {
  return { status: "ok", database: services.database };
}
