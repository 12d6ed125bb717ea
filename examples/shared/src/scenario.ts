/** One request of the scenario and what it must answer. */
export interface ScenarioStep {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  headers?: Record<string, string>;
  /** A JSON body, or a raw string sent as `application/json` (for malformed bodies). */
  body?: unknown;
  rawBody?: string;
  expectStatus: number;
  expectCode?: string;
  /** The fields the demo prints. */
  show?: (json: unknown) => Record<string, unknown>;
}

/** What a host answered to a step. */
export interface StepResult {
  step: ScenarioStep;
  status: number;
  headers: Headers;
  json: unknown;
}

/** The scenario every host must pass, in order. */
export const scenario: ScenarioStep[] = [
  {
    name: "health check",
    method: "GET",
    path: "/health",
    expectStatus: 200,
    show: (json) => json as Record<string, unknown>,
  },
  {
    name: "unknown route gives the error envelope",
    method: "GET",
    path: "/no-such-route",
    expectStatus: 404,
    expectCode: "NOT_FOUND",
  },
];

/** Sends one step to a host. */
export async function runStep(baseUrl: string, step: ScenarioStep): Promise<StepResult> {
  const hasBody = step.body !== undefined || step.rawBody !== undefined;
  const response = await fetch(`${baseUrl}${step.path}`, {
    method: step.method,
    headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...step.headers },
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
  return { step, status: response.status, headers: response.headers, json };
}

/** A JSON value with what legitimately differs between runs (timestamps, generated ids) replaced by placeholders. */
export function comparable(json: unknown): unknown {
  return JSON.parse(
    JSON.stringify(json ?? null)
      .replace(/"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z"/g, '"<time>"')
      .replace(/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g, '"<uuid>"'),
  );
}
