import { randomUUID } from "node:crypto";
import { atomErrors } from "@atom/errors/fastify";
import { requireGovernance } from "@atom/governance/fastify";
import {
  approveProposal,
  createInvoice,
  deliverInvoiceGovernance,
  deliverInvoice,
  type ExampleServices,
  finishOAuth,
  getAgent,
  health,
  listConnections,
  performAgentAction,
  registerAgent,
  runVipWorkflow,
  type StartHost,
  startOAuth,
  trialBalance,
  useConnection,
} from "@atom/example-shared";
import Fastify, { type FastifyInstance } from "fastify";

/** Builds the Fastify app: the Atom errors plugin, then the routes. */
export async function createApp(services: ExampleServices): Promise<FastifyInstance> {
  // Fastify's own request id is the envelope's request_id: reuse a caller's x-request-id, else a UUID.
  const app = Fastify({ bodyLimit: 100 * 1024, requestIdHeader: "x-request-id", genReqId: () => randomUUID() });
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
  app.post("/agents", async (req, reply) => reply.code(201).send(await registerAgent(services.agents, services.governance, req.body)));
  app.get<{ Params: { id: string } }>("/agents/:id", async (req) => getAgent(services.agents, req.params.id));
  app.post("/agents/:id/actions/:action", async (req) =>
    performAgentAction(services.governance, req.params, { method: req.method, path: req.url.split("?")[0] ?? "/" }, req.headers),
  );
  app.post("/proposals/:id/approve", async (req) => approveProposal(services.governance, req.params, req.body));
  app.post("/invoices", async (req, reply) => reply.code(201).send(await createInvoice(services.ledger, req.body)));
  app.post<{ Params: { id: string } }>(
    "/invoices/:id/deliver",
    { preHandler: requireGovernance(deliverInvoiceGovernance(services.governance)) },
    async (req) => deliverInvoice(services.ledger, req.params.id),
  );
  app.get("/ledger/trial-balance", async () => trialBalance(services.ledger));
  app.post("/workflows/run", async (req) => runVipWorkflow(services.workflows, services.crmUrl, req.body));
  return app;
}

/** Starts the Fastify host on 127.0.0.1. */
export const startFastify: StartHost = async (services, options = {}) => {
  const app = await createApp(services);
  const url = await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  return { name: "fastify", url, close: () => app.close() };
};
