import { defineError } from "@atom/errors";
import { z } from "zod";

/** One problem found by {@link WorkflowEngine.validate}. */
export interface WorkflowProblem {
  /** The node the problem belongs to, when there is one. */
  nodeId?: string;
  /** The offending field, dotted (`nodes.2.config.url`, `edges.0.to`). */
  field: string;
  /** What is wrong. */
  message: string;
}

const problemSchema = z.object({
  /** The node the problem belongs to, when there is one. */
  nodeId: z.string().optional(),
  /** The offending field, dotted. */
  field: z.string(),
  /** What is wrong. */
  message: z.string(),
});

/** `WORKFLOW_INVALID` (400): the definition has problems; `details.problems` lists every one of them. */
export const WorkflowInvalidError = defineError({
  code: "WORKFLOW_INVALID",
  status: 400,
  severity: "medium",
  details: z.object({
    /** The workflow's id, when the definition has one. */
    workflowId: z.string().optional(),
    /** Every problem found. */
    problems: z.array(problemSchema),
  }),
  message: (d) =>
    `[@atom/workflow-engine] workflow is invalid: ${d.problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
});

/** `WORKFLOW_RUN_NOT_FOUND` (404): `resume` was given an unknown run id. */
export const RunNotFoundError = defineError({
  code: "WORKFLOW_RUN_NOT_FOUND",
  status: 404,
  severity: "low",
  details: z.object({
    /** The run. */
    runId: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] run "${d.runId}" not found`,
});

/** `WORKFLOW_RUN_NOT_RESUMABLE` (409): the run already finished with success or failure. */
export const RunNotResumableError = defineError({
  code: "WORKFLOW_RUN_NOT_RESUMABLE",
  status: 409,
  severity: "low",
  details: z.object({
    /** The run. */
    runId: z.string(),
    /** The run's status, which cannot be resumed. */
    status: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] run "${d.runId}" is ${d.status} and cannot be resumed`,
});

/** `WORKFLOW_RUN_EXISTS` (409): `run` was given a `runId` the store already holds; the existing run is untouched. */
export const RunExistsError = defineError({
  code: "WORKFLOW_RUN_EXISTS",
  status: 409,
  severity: "low",
  details: z.object({
    /** The run. */
    runId: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] run "${d.runId}" already exists`,
});

/**
 * `WORKFLOW_RUN_OWNED` (409): another engine holds the run's lease. `resume` gets it while that lease is live (retry
 * after `leaseExpiresAt`, or let `recoverStale` pick the run up); an executing run gets it when another engine took
 * the run over after this one's lease expired, and stops without writing.
 */
export const RunOwnedError = defineError({
  code: "WORKFLOW_RUN_OWNED",
  status: 409,
  severity: "medium",
  details: z.object({
    /** The run. */
    runId: z.string(),
    /** `leased`: another owner's lease is live. `lease_lost`: this engine's lease was taken over. */
    reason: z.union([z.literal("leased"), z.literal("lease_lost")]),
    /** When the other owner's lease runs out unless renewed (ISO time), when known. */
    leaseExpiresAt: z.string().optional(),
  }),
  message: (d) =>
    d.reason === "leased"
      ? `[@atom/workflow-engine] run "${d.runId}" is executing in another engine${d.leaseExpiresAt ? ` (lease until ${d.leaseExpiresAt})` : ""}`
      : `[@atom/workflow-engine] run "${d.runId}" was taken over by another engine; this engine stopped it`,
});

/** `NODE_TIMEOUT` (504): a node exceeded its `timeoutMs`. */
export const NodeTimeoutError = defineError({
  code: "NODE_TIMEOUT",
  status: 504,
  severity: "high",
  details: z.object({
    /** The node that timed out. */
    nodeId: z.string(),
    /** Its timeout, in ms. */
    timeoutMs: z.number(),
  }),
  message: (d) => `[@atom/workflow-engine] node "${d.nodeId}" timed out after ${d.timeoutMs}ms`,
});

/** `RUN_CANCELLED` (499): the run's `AbortSignal` fired or its deadline passed while the node ran. */
export const RunCancelledError = defineError({
  code: "RUN_CANCELLED",
  status: 499,
  severity: "low",
  details: z.object({
    /** `aborted` by the caller's signal, or past the run's `deadline`. */
    reason: z.enum(["aborted", "deadline"]),
  }),
  message: (d) =>
    d.reason === "deadline" ? "[@atom/workflow-engine] run deadline exceeded" : "[@atom/workflow-engine] run cancelled",
});

/** `TEMPLATE_INVALID` (400): a `{{ }}` expression is malformed or reaches a forbidden segment. */
export const TemplateInvalidError = defineError({
  code: "TEMPLATE_INVALID",
  status: 400,
  severity: "medium",
  details: z.object({
    /** The template expression. */
    expression: z.string(),
    /** What is wrong with it. */
    reason: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] template "{{ ${d.expression} }}" is invalid: ${d.reason}`,
});

/** `NODE_INPUT_INVALID` (400): a node got data it cannot work on (e.g. a numeric comparison on a string). */
export const NodeInputError = defineError({
  code: "NODE_INPUT_INVALID",
  status: 400,
  severity: "medium",
  details: z.object({
    /** The node, when known. */
    nodeId: z.string().optional(),
    /** The offending input field. */
    field: z.string(),
    /** What is wrong with it. */
    reason: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] ${d.field}: ${d.reason}`,
});

/**
 * `NODE_OUTPUT_TOO_LARGE` (400): a node produced a value (its output, or a template it rendered) over the JSON limits
 * (`MAX_JSON_DEPTH`, `MAX_JSON_VALUES`, `MAX_OUTPUT_CHARS`) or one JSON cannot hold (a bigint). Not retried.
 */
export const NodeOutputTooLargeError = defineError({
  code: "NODE_OUTPUT_TOO_LARGE",
  status: 400,
  severity: "medium",
  details: z.object({
    /** The node, when known. */
    nodeId: z.string().optional(),
    /** Which limit, e.g. `output holds more than 1000000 values`. */
    problem: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] ${d.nodeId === undefined ? "" : `node "${d.nodeId}" `}${d.problem}`,
});

/** `GOVERNANCE_DENIED` (403): governance refused the action for the run's agent. */
export const GovernanceDeniedError = defineError({
  code: "GOVERNANCE_DENIED",
  status: 403,
  severity: "medium",
  details: z.object({
    /** The action refused. */
    action: z.string(),
    /** The run's agent, when there is one. */
    agentId: z.string().optional(),
    /** Governance's reason. */
    reason: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] action "${d.action}" denied: ${d.reason}`,
});

/** `SSRF_BLOCKED` (403): the HTTP client refused a destination (private, loopback, metadata... address). */
export const SsrfBlockedError = defineError({
  code: "SSRF_BLOCKED",
  status: 403,
  severity: "high",
  details: z.object({
    /** The host of the refused URL. */
    host: z.string(),
    /** The address it resolved to, when it got that far. */
    address: z.string().optional(),
    /** Why it was refused (private range, metadata address, scheme…). */
    reason: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] [http] request to "${d.host}" refused: ${d.reason}`,
});

/** `HTTP_STATUS_ERROR` (502): the server answered with a non-2xx status. */
export const HttpStatusError = defineError({
  code: "HTTP_STATUS_ERROR",
  status: 502,
  severity: "medium",
  details: z.object({
    /** The HTTP status received. */
    status: z.number(),
    /** The server's `Retry-After`, in ms, when sent. */
    retryAfterMs: z.number().optional(),
    /** The parsed response body, when there was one. */
    body: z.unknown().optional(),
  }),
  message: (d) => `[@atom/workflow-engine] [http] server answered ${d.status}`,
});

/** `HTTP_RESPONSE_TOO_LARGE` (502): the response body exceeded `maxResponseBytes`. */
export const ResponseTooLargeError = defineError({
  code: "HTTP_RESPONSE_TOO_LARGE",
  status: 502,
  severity: "medium",
  details: z.object({
    /** The cap that was exceeded. */
    maxResponseBytes: z.number(),
  }),
  message: (d) => `[@atom/workflow-engine] [http] response body exceeds ${d.maxResponseBytes} bytes`,
});

/**
 * `HTTP_RESPONSE_TOO_COMPLEX` (502): a JSON response nests deeper than `MAX_JSON_DEPTH` or holds more than
 * `MAX_JSON_VALUES` values, so it is refused before templates, stores or the host recurse into it.
 */
export const ResponseTooComplexError = defineError({
  code: "HTTP_RESPONSE_TOO_COMPLEX",
  status: 502,
  severity: "medium",
  details: z.object({
    /** Where the limit was crossed, dotted (`items.0.children`). */
    path: z.string(),
    /** Which limit. */
    problem: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] [http] response JSON ${d.problem} at "${d.path}"`,
});

/** `HTTP_REQUEST_FAILED` (502): the connection failed (DNS, reset, TLS...). Retryable. */
export const HttpRequestFailedError = defineError({
  code: "HTTP_REQUEST_FAILED",
  status: 502,
  severity: "high",
  details: z.object({
    /** The host requested. */
    host: z.string(),
    /** The network error (connection refused, reset, DNS…). */
    reason: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] [http] request to "${d.host}" failed: ${d.reason}`,
});

/** `ACTION_NOT_FOUND` (400): an action node names an action nobody registered. */
export const ActionNotFoundError = defineError({
  code: "ACTION_NOT_FOUND",
  status: 400,
  severity: "medium",
  details: z.object({
    /** The unknown action name. */
    action: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] action "${d.action}" is not registered`,
});

/**
 * `CREDENTIALS_HOST_NOT_ALLOWED` (403): an `http_request` with `auth: { provider }` targets a host the engine's
 * `credentialHosts` does not list for that provider. The token is never fetched nor sent; not retried.
 */
export const CredentialsHostNotAllowedError = defineError({
  code: "CREDENTIALS_HOST_NOT_ALLOWED",
  status: 403,
  details: z.object({
    /** The credentials provider named by the node. */
    provider: z.string(),
    /** The host the request targets. */
    host: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] credentials of provider "${d.provider}" may not be sent to ${d.host} (list it in the engine's credentialHosts)`,
});

/**
 * `NODE_LOST` (503): on pg-boss workers, a node whose job ran out of pg-boss retries (lost workers, store outages or
 * slot waits, each spends one) before its result was recorded. Recorded as the node's failure, so an `error` edge
 * handles it; the node may or may not have run.
 */
export const NodeLostError = defineError({
  code: "NODE_LOST",
  status: 503,
  severity: "high",
  details: z.object({
    /** The node whose job was lost. */
    nodeId: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] node "${d.nodeId}" was lost: its job ran out of pg-boss retries before its result was recorded`,
});

/** `CREDENTIALS_UNAVAILABLE` (500): no credentials hook, or it failed (the cause is kept, never the token). */
export const CredentialsUnavailableError = defineError({
  code: "CREDENTIALS_UNAVAILABLE",
  status: 500,
  severity: "high",
  details: z.object({
    /** The credentials provider asked for. */
    provider: z.string(),
  }),
  message: (d) => `[@atom/workflow-engine] credentials for provider "${d.provider}" are unavailable`,
});
