import { atomErrors } from "@atom/errors/fastify";
import { type ExampleServices, health, type StartHost } from "@atom/example-shared";
import Fastify, { type FastifyInstance } from "fastify";

/** Builds the Fastify app: the Atom errors plugin, then the routes. */
export async function createApp(services: ExampleServices): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 100 * 1024 });
  await app.register(atomErrors);
  app.get("/health", async () => health(services));
  return app;
}

/** Starts the Fastify host on 127.0.0.1. */
export const startFastify: StartHost = async (services, options = {}) => {
  const app = await createApp(services);
  const url = await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  return { name: "fastify", url, close: () => app.close() };
};
