/** Values a step captured from an answer, for later steps (per host). */
export type ScenarioVars = Record<string, string>;

/** One request of the scenario and what it must answer. */
export interface ScenarioStep {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A path on the host, or (with `external`) an absolute URL; may be built from captured vars. */
  path: string | ((vars: ScenarioVars) => string);
  /** The request goes to another server (the OAuth provider), not the host; its answer is not compared. */
  external?: boolean;
  /** Request headers; may be built from captured vars. */
  headers?: Record<string, string> | ((vars: ScenarioVars) => Record<string, string>);
  /** A JSON body, or a raw string sent as `application/json` (for malformed bodies). */
  body?: unknown;
  rawBody?: string;
  expectStatus: number;
  expectCode?: string;
  /** Reads values from the answer for later steps. */
  capture?: (result: StepResult, vars: ScenarioVars) => void;
  /** The fields the demo prints. */
  show?: (json: unknown) => Record<string, unknown>;
}

/** What a server answered to a step. */
export interface StepResult {
  status: number;
  location: string | null;
  json: unknown;
}

const user = { "x-user-id": "user-1" };

/** The scenario every host must pass, in order. */
export const scenario: ScenarioStep[] = [
  { name: "health check", method: "GET", path: "/health", expectStatus: 200, show: (json) => json as Record<string, unknown> },
  { name: "unknown route gives the error envelope", method: "GET", path: "/no-such-route", expectStatus: 404, expectCode: "NOT_FOUND" },
  {
    name: "OAuth start without a user is refused",
    method: "GET",
    path: "/oauth/local/start",
    expectStatus: 400,
    expectCode: "VALIDATION_ERROR",
  },
  {
    name: "OAuth start with an unknown provider",
    method: "GET",
    path: "/oauth/nope/start",
    headers: user,
    expectStatus: 404,
    expectCode: "NOT_FOUND",
  },
  {
    name: "OAuth start redirects to the provider with state and PKCE",
    method: "GET",
    path: "/oauth/local/start",
    headers: user,
    expectStatus: 302,
    capture: (result, vars) => {
      vars.authorize = result.location ?? "";
    },
    show: () => ({ redirect: "provider /authorize with state + code_challenge (S256)" }),
  },
  {
    name: "the provider authorizes and redirects back with a code",
    method: "GET",
    path: (vars) => vars.authorize ?? "",
    external: true,
    expectStatus: 302,
    capture: (result, vars) => {
      const back = new URL(result.location ?? "http://invalid/");
      vars.callback = `/oauth/local/callback${back.search}`;
      vars.state = back.searchParams.get("state") ?? "";
      vars.code = back.searchParams.get("code") ?? "";
    },
  },
  {
    name: "callback with a tampered state is refused",
    method: "GET",
    path: (vars) => `/oauth/local/callback?code=${vars.code}&state=${vars.state}x`,
    expectStatus: 400,
    expectCode: "OAUTH_STATE_INVALID",
  },
  {
    name: "callback consumes the state, exchanges the code with the PKCE verifier, stores the tokens",
    method: "GET",
    path: (vars) => vars.callback ?? "",
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "replaying the callback is refused (state is single-use)",
    method: "GET",
    path: (vars) => vars.callback ?? "",
    expectStatus: 400,
    expectCode: "OAUTH_STATE_USED",
  },
  {
    name: "connections list the provider, never the tokens",
    method: "GET",
    path: "/connections",
    headers: user,
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "using the connection refreshes the short-lived token through the provider",
    method: "POST",
    path: "/connections/local/refresh",
    headers: user,
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  { name: "register a STUDENT agent", method: "POST", path: "/agents", body: { id: "agent-student", status: "STUDENT" }, expectStatus: 201 },
  { name: "register an INTERN agent", method: "POST", path: "/agents", body: { id: "agent-intern", status: "INTERN", confidence: 0.6 }, expectStatus: 201 },
  { name: "register a SUPERVISED agent", method: "POST", path: "/agents", body: { id: "agent-super", status: "SUPERVISED" }, expectStatus: 201 },
  {
    name: "registering an agent with a bad status is a validation error",
    method: "POST",
    path: "/agents",
    body: { id: "agent-x", status: "BOSS" },
    expectStatus: 400,
    expectCode: "VALIDATION_ERROR",
  },
  { name: "registering with malformed JSON is refused", method: "POST", path: "/agents", rawBody: '{"id":', expectStatus: 400, expectCode: "INVALID_JSON" },
  { name: "the refused agent was not stored", method: "GET", path: "/agents/agent-x", expectStatus: 404, expectCode: "AGENT_NOT_FOUND" },
  { name: "read an agent", method: "GET", path: "/agents/agent-intern", expectStatus: 200, show: (json) => json as Record<string, unknown> },
  { name: "unknown agent", method: "GET", path: "/agents/nobody", expectStatus: 404, expectCode: "AGENT_NOT_FOUND" },
  {
    name: "an INTERN may read (LOW)",
    method: "POST",
    path: "/agents/agent-intern/actions/read",
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "an INTERN sending email (HIGH) needs approval: 202 with a proposal",
    method: "POST",
    path: "/agents/agent-intern/actions/send_email",
    expectStatus: 202,
    expectCode: "GOVERNANCE_APPROVAL_REQUIRED",
    capture: (result, vars) => {
      vars.proposalId = String((result.json as { details: { proposal_id: string } }).details.proposal_id);
    },
  },
  {
    name: "repeating with the proposal id before anyone approved it: 403",
    method: "POST",
    path: "/agents/agent-intern/actions/send_email",
    headers: (vars) => ({ "x-approval-id": vars.proposalId ?? "" }),
    expectStatus: 403,
    expectCode: "GOVERNANCE_DENIED",
  },
  {
    name: "approving without saying who approves is a validation error",
    method: "POST",
    path: (vars) => `/proposals/${vars.proposalId}/approve`,
    body: {},
    expectStatus: 400,
    expectCode: "VALIDATION_ERROR",
  },
  {
    name: "a person approves the proposal",
    method: "POST",
    path: (vars) => `/proposals/${vars.proposalId}/approve`,
    body: { by: "alice", note: "one newsletter" },
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "approving it again: 409",
    method: "POST",
    path: (vars) => `/proposals/${vars.proposalId}/approve`,
    body: { by: "bob" },
    expectStatus: 409,
    expectCode: "PROPOSAL_ALREADY_DECIDED",
  },
  {
    name: "approving an unknown proposal: 404",
    method: "POST",
    path: "/proposals/00000000-0000-4000-8000-000000000000/approve",
    body: { by: "alice" },
    expectStatus: 404,
    expectCode: "PROPOSAL_NOT_FOUND",
  },
  {
    name: "the INTERN repeats the request with X-Approval-ID: allowed",
    method: "POST",
    path: "/agents/agent-intern/actions/send_email",
    headers: (vars) => ({ "x-approval-id": vars.proposalId ?? "" }),
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "the approval is single-use: 403 the second time",
    method: "POST",
    path: "/agents/agent-intern/actions/send_email",
    headers: (vars) => ({ "x-approval-id": vars.proposalId ?? "" }),
    expectStatus: 403,
    expectCode: "GOVERNANCE_DENIED",
  },
  {
    name: "a STUDENT may not delete (CRITICAL): 403",
    method: "POST",
    path: "/agents/agent-student/actions/delete",
    expectStatus: 403,
    expectCode: "GOVERNANCE_DENIED",
  },
  { name: "an unknown agent acting: 404", method: "POST", path: "/agents/nobody/actions/read", expectStatus: 404, expectCode: "AGENT_NOT_FOUND" },
  {
    name: "bill a service in advance: invoice (DRAFT) and deferral Dr 1200-USD / Cr 2200-USD",
    method: "POST",
    path: "/invoices",
    body: { customerId: "c-1", amount: "1200.00", currency: "USD" },
    expectStatus: 201,
    capture: (result, vars) => {
      vars.invoice = (result.json as { id?: string } | null)?.id ?? "";
    },
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "an invoice amount with too many decimals is refused",
    method: "POST",
    path: "/invoices",
    body: { customerId: "c-1", amount: "12.345", currency: "USD" },
    expectStatus: 400,
    expectCode: "VALIDATION_ERROR",
  },
  { name: "an invoice without fields is refused", method: "POST", path: "/invoices", body: {}, expectStatus: 400, expectCode: "VALIDATION_ERROR" },
  { name: "an invoice with malformed JSON is refused", method: "POST", path: "/invoices", rawBody: "{", expectStatus: 400, expectCode: "INVALID_JSON" },
  {
    name: "a STUDENT agent may not deliver the invoice (HIGH): 403",
    method: "POST",
    path: (vars) => `/invoices/${vars.invoice}/deliver`,
    headers: { "x-agent-id": "agent-student" },
    expectStatus: 403,
    expectCode: "GOVERNANCE_DENIED",
  },
  {
    name: "two agent ids in X-Agent-ID (a repeated header): 400, the same on every host",
    method: "POST",
    path: (vars) => `/invoices/${vars.invoice}/deliver`,
    headers: { "x-agent-id": "agent-super, agent-student" },
    expectStatus: 400,
    expectCode: "VALIDATION_ERROR",
  },
  {
    name: "an INTERN agent delivering it needs approval: 202",
    method: "POST",
    path: (vars) => `/invoices/${vars.invoice}/deliver`,
    headers: { "x-agent-id": "agent-intern" },
    expectStatus: 202,
    expectCode: "GOVERNANCE_APPROVAL_REQUIRED",
    capture: (result, vars) => {
      vars.deliveryProposal = String((result.json as { details: { proposal_id: string } }).details.proposal_id);
    },
  },
  {
    name: "the INTERN retrying gets the same pending proposal",
    method: "POST",
    path: (vars) => `/invoices/${vars.invoice}/deliver`,
    headers: { "x-agent-id": "agent-intern" },
    expectStatus: 202,
    expectCode: "GOVERNANCE_APPROVAL_REQUIRED",
    capture: (result, vars) => {
      const id = (result.json as { details: { proposal_id: string } }).details.proposal_id;
      if (id !== vars.deliveryProposal) throw new Error(`a retry recorded a second proposal (${id})`);
    },
  },
  {
    name: "the INTERN cannot approve its own proposal: 403",
    method: "POST",
    path: (vars) => `/proposals/${vars.deliveryProposal}/approve`,
    body: { by: "agent-intern" },
    expectStatus: 403,
    expectCode: "PROPOSAL_APPROVER_REFUSED",
  },
  {
    name: "a person approves delivering this invoice",
    method: "POST",
    path: (vars) => `/proposals/${vars.deliveryProposal}/approve`,
    body: { by: "alice" },
    expectStatus: 200,
  },
  {
    name: "the approval does not cover another invoice: 403",
    method: "POST",
    path: "/invoices/00000000-0000-4000-8000-000000000000/deliver",
    headers: (vars) => ({ "x-agent-id": "agent-intern", "x-approval-id": vars.deliveryProposal ?? "" }),
    expectStatus: 403,
    expectCode: "GOVERNANCE_DENIED",
  },
  {
    name: "a SUPERVISED agent delivers it: revenue recognized Dr 2200-USD / Cr 4000-USD, invoice OPEN",
    method: "POST",
    path: (vars) => `/invoices/${vars.invoice}/deliver`,
    headers: { "x-agent-id": "agent-super" },
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "delivering again posts nothing (idempotent)",
    method: "POST",
    path: (vars) => `/invoices/${vars.invoice}/deliver`,
    expectStatus: 200,
    show: (json) => ({ repeated: (json as { repeated?: boolean }).repeated }),
  },
  {
    name: "delivering an unknown invoice: 404",
    method: "POST",
    path: "/invoices/nope/deliver",
    expectStatus: 404,
    expectCode: "INVOICE_NOT_FOUND",
  },
  {
    name: "the trial balance balances and holds only the one valid invoice (refused requests changed nothing)",
    method: "GET",
    path: "/ledger/trial-balance",
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "workflow: a VIP customer is looked up in the CRM over HTTP and greeted",
    method: "POST",
    path: "/workflows/run",
    body: { input: { customerId: "c-1", spend: 2500 } },
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "workflow: a small spender takes the false branch, the rest is skipped",
    method: "POST",
    path: "/workflows/run",
    body: { input: { customerId: "c-2", spend: 10 } },
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "workflow: missing input field is a validation error naming it",
    method: "POST",
    path: "/workflows/run",
    body: { input: { customerId: "c-1" } },
    expectStatus: 400,
    expectCode: "VALIDATION_ERROR",
  },
  {
    name: "workflow: a body over the 100 kB limit is refused",
    method: "POST",
    path: "/workflows/run",
    body: { input: { customerId: "c-1", spend: 1, padding: "x".repeat(200_000) } },
    expectStatus: 413,
    expectCode: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "workflow: malformed JSON is refused",
    method: "POST",
    path: "/workflows/run",
    rawBody: '{"input": {',
    expectStatus: 400,
    expectCode: "INVALID_JSON",
  },
];

/** Sends one step to a host (or, for external steps, to the URL it names). */
export async function runStep(baseUrl: string, step: ScenarioStep, vars: ScenarioVars): Promise<StepResult> {
  const path = typeof step.path === "function" ? step.path(vars) : step.path;
  const url = step.external ? path : `${baseUrl}${path}`;
  const hasBody = step.body !== undefined || step.rawBody !== undefined;
  const response = await fetch(url, {
    method: step.method,
    headers: {
      ...(hasBody ? { "content-type": "application/json" } : {}),
      ...(typeof step.headers === "function" ? step.headers(vars) : step.headers),
    },
    ...(hasBody ? { body: step.rawBody ?? JSON.stringify(step.body) } : {}),
    redirect: "manual",
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  const result = { status: response.status, location: response.headers.get("location"), json };
  step.capture?.(result, vars);
  return result;
}

/** What must be equal across hosts: the JSON with timestamps and generated ids as placeholders; for redirects, the target. */
export function comparable(result: StepResult): unknown {
  if (result.status >= 300 && result.status < 400) {
    const target = new URL(result.location ?? "http://invalid/");
    return { redirect: `${target.origin}${target.pathname}`, params: [...target.searchParams.keys()].sort() };
  }
  return JSON.parse(
    JSON.stringify(result.json ?? null)
      .replace(/"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z"/g, '"<time>"')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>"),
  );
}
