export { createServices, type ExampleServices, type ServicesOptions } from "./services.js";
export { health } from "./routes.js";
export { approveProposal, deliverInvoiceGovernance, getAgent, performAgentAction, registerAgent } from "./agents.js";
export { createInvoice, deliverInvoice, trialBalance } from "./invoices.js";
export { finishOAuth, listConnections, startOAuth, useConnection, type OAuthProvider } from "./oauth.js";
export { parseRequest } from "./request.js";
export { runVipWorkflow, vipWorkflow } from "./workflows.js";
export type { RunningHost, StartHost } from "./host.js";
export { comparable, runStep, scenario, type ScenarioStep, type ScenarioVars, type StepResult } from "./scenario.js";
