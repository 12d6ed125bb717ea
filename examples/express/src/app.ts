import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { errorHandler, notFoundHandler } from "@atom/errors/express";
import { requireGovernance } from "@atom/governance/express";
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
import express, { type Express } from "express";

/** Builds the Express app: JSON body parser, the routes, then the Atom not-found and error handlers. */
export function createApp(services: ExampleServices): Express {
  const app = express();
  app.use(express.json({ limit: "100kb" }));
  app.get("/health", (_req, res) => {
    res.json(health(services));
  });
  app.get("/oauth/:provider/start", async (req, res) => {
    const { location } = await startOAuth(services.oauth, services.providers, req.params.provider, req.headers);
    res.redirect(302, location);
  });
  app.get("/oauth/:provider/callback", async (req, res) => {
    res.json(await finishOAuth(services.oauth, services.providers, req.params.provider, req.query));
  });
  app.get("/connections", async (req, res) => {
    res.json(await listConnections(services.oauth, req.headers));
  });
  app.post("/connections/:provider/refresh", async (req, res) => {
    res.json(await useConnection(services.oauth, services.providers, req.params.provider, req.headers));
  });
  app.post("/agents", async (req, res) => {
    res.status(201).json(await registerAgent(services.agents, services.governance, req.body));
  });
  app.get("/agents/:id", async (req, res) => {
    res.json(await getAgent(services.agents, req.params.id));
  });
  app.post("/agents/:id/actions/:action", async (req, res) => {
    res.json(await performAgentAction(services.governance, req.params, { method: req.method, path: req.path }, req.headers));
  });
  app.post("/proposals/:id/approve", async (req, res) => {
    res.json(await approveProposal(services.governance, req.params, req.body));
  });
  app.post("/invoices", async (req, res) => {
    res.status(201).json(await createInvoice(services.ledger, req.body));
  });
  app.post(
    "/invoices/:id/deliver",
    requireGovernance(deliverInvoiceGovernance(services.governance)),
    async (req, res) => {
      res.json(await deliverInvoice(services.ledger, String(req.params.id)));
    },
  );
  app.get("/ledger/trial-balance", async (_req, res) => {
    res.json(await trialBalance(services.ledger));
  });
  app.post("/workflows/run", async (req, res) => {
    res.json(await runVipWorkflow(services.workflows, services.crmUrl, req.body));
  });
  app.use(notFoundHandler());
  app.use(errorHandler());
  return app;
}

/** Starts the Express host on 127.0.0.1. */
export const startExpress: StartHost = async (services, options = {}) => {
  const server = await new Promise<Server>((resolve) => {
    const s = createApp(services).listen(options.port ?? 0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: "express",
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
};
