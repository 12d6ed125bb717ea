import type { ExampleServices } from "./services.js";

/** A host listening on a local port. */
export interface RunningHost {
  name: string;
  url: string;
  close(): Promise<void>;
}

/** Starts one host (Express, Fastify or Hono) on `127.0.0.1`, port 0 unless given. */
export type StartHost = (services: ExampleServices, options?: { port?: number }) => Promise<RunningHost>;
