import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { PayloadTooLargeError } from "@atom/errors";
import { errorBoundary, errorHandler, jsonBody, notFoundHandler } from "@atom/errors/hono";
import { requireGovernance } from "@atom/governance/hono";
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
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";

/** Builds the Hono app: error boundary and body limit middleware, the routes, the Atom handlers. */
export function createApp(services: ExampleServices): Hono {
  const app = new Hono();
  app.use(errorBoundary());
  app.use(
    bodyLimit({
      maxSize: 100 * 1024,
      onError: () => {
        throw new PayloadTooLargeError();
      },
    }),
  );
  app.get("/health", (c) => c.json(health(services)));
  app.get("/oauth/:provider/start", async (c) => {
    const { location } = await startOAuth(services.oauth, services.providers, c.req.param("provider"), c.req.header());
    return c.redirect(location, 302);
  });
  app.get("/oauth/:provider/callback", async (c) =>
    c.json(await finishOAuth(services.oauth, services.providers, c.req.param("provider"), c.req.query())),
  );
  app.get("/connections", async (c) => c.json(await listConnections(services.oauth, c.req.header())));
  app.post("/connections/:provider/refresh", async (c) =>
    c.json(await useConnection(services.oauth, services.providers, c.req.param("provider"), c.req.header())),
  );
  app.post("/agents", async (c) => c.json(await registerAgent(services.agents, services.governance, await jsonBody(c)), 201));
  app.get("/agents/:id", async (c) => c.json(await getAgent(services.agents, c.req.param("id"))));
  app.post("/agents/:id/actions/:action", async (c) =>
    c.json(await performAgentAction(services.governance, c.req.param(), { method: c.req.method, path: c.req.path }, c.req.header())),
  );
  app.post("/proposals/:id/approve", async (c) => c.json(await approveProposal(services.governance, c.req.param(), await jsonBody(c))));
  app.post("/invoices", async (c) => c.json(await createInvoice(services.ledger, await jsonBody(c)), 201));
  app.post(
    "/invoices/:id/deliver",
    requireGovernance(deliverInvoiceGovernance(services.governance)),
    async (c) => c.json(await deliverInvoice(services.ledger, c.req.param("id"))),
  );
  app.get("/ledger/trial-balance", async (c) => c.json(await trialBalance(services.ledger)));
  app.post("/workflows/run", async (c) =>
    c.json(await runVipWorkflow(services.workflows, services.crmUrl, await jsonBody(c))),
  );
  app.notFound(notFoundHandler());
  app.onError(errorHandler());
  return app;
}

/** Starts the Hono host (on `@hono/node-server`) on 127.0.0.1. */
export const startHono: StartHost = async (services, options = {}) => {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: createApp(services).fetch, port: options.port ?? 0, hostname: "127.0.0.1" }, () =>
      resolve(s as Server),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: "hono",
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
};
