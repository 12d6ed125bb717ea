import { atomErrors } from "@atom/errors/fastify";
import {
  type ExampleServices,
  finishOAuth,
  health,
  listConnections,
  runVipWorkflow,
  type StartHost,
  startOAuth,
  useConnection,
} from "@atom/example-shared";
import Fastify, { type FastifyInstance } from "fastify";

/** Builds the Fastify app: the Atom errors plugin, then the routes. */
export async function createApp(services: ExampleServices): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 100 * 1024 });
  await app.register(atomErrors);
  app.get("/health", async () => health(services));
  app.get<{ Params: { provider: string } }>("/oauth/:provider/start", async (req, reply) => {
    const { location } = await startOAuth(services.oauth, services.providers, req.params.provider, req.headers);
    return reply.redirect(location, 302);
  });
  app.get<{ Params: { provider: string } }>("/oauth/:provider/callback", async (req) =>
    finishOAuth(services.oauth, services.providers, req.params.provider, req.query),
  );
  app.get("/connections", async (req) => listConnections(services.oauth, req.headers));
  app.post<{ Params: { provider: string } }>("/connections/:provider/refresh", async (req) =>
    useConnection(services.oauth, services.providers, req.params.provider, req.headers),
  );
  app.post("/workflows/run", async (req) => runVipWorkflow(services.workflows, services.crmUrl, req.body));
  return app;
}

/** Starts the Fastify host on 127.0.0.1. */
export const startFastify: StartHost = async (services, options = {}) => {
  const app = await createApp(services);
  const url = await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  return { name: "fastify", url, close: () => app.close() };
};
