import { z } from "zod";
import { defineNode } from "../define-node.js";
import { durationSchema } from "../duration.js";
import { HttpStatusError } from "../errors.js";
import type { HttpRequest } from "../http/types.js";
import { assertCredentialHost } from "../credential-hosts.js";
import { credentialToken } from "../credentials.js";
import { headerProblem, urlProblem } from "../http/request-shape.js";

/** zod schema of the `http_request` config. */
export const httpRequestConfigSchema = z.object({
  /** The HTTP method. @default "GET" */
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"),
  /**
   * The absolute `http:`/`https:` URL (templated), without credentials (`user:password@`: use `headers` or `auth`);
   * checked by the SSRF guard after DNS resolution and on every redirect.
   */
  url: z.string().min(1),
  /** Request headers: names are RFC 9110 tokens other than the framing ones (`Host`, `Content-Length`...); values (templated) hold no CR, LF or NUL. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Query parameters added to the URL (values templated). */
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** The body (templated), encoded by `bodyType`. */
  body: z.unknown().optional(),
  /** How the body is sent: JSON, plain text, or `application/x-www-form-urlencoded`. @default "json" */
  bodyType: z.enum(["json", "text", "form"]).default("json"),
  /** Bound on one whole attempt in ms: connect, redirects, headers and body. @default the client's timeout */
  timeoutMs: durationSchema.min(1).optional(),
  /** A larger response fails the node. @default the client's cap */
  maxResponseBytes: z.number().int().positive().optional(),
  /**
   * Credentials from the engine's `credentials(provider)` hook, sent as `Authorization: <scheme> <token>`, to a host
   * the engine's `credentialHosts` lists for the provider only (`CREDENTIALS_HOST_NOT_ALLOWED` otherwise).
   */
  auth: z
    .object({
      /** The provider passed to the credentials hook. */
      provider: z.string().min(1),
      /** The authorization scheme. @default "Bearer" */
      scheme: z.string().min(1).default("Bearer"),
    })
    .optional(),
})
  .superRefine((config, ctx) => {
    // A templated URL is checked once it resolved: the resolved config is parsed by this schema again.
    const urlWrong = config.url.includes("{{") ? undefined : urlProblem(config.url);
    if (urlWrong !== undefined) ctx.addIssue({ code: "custom", path: ["url"], message: `url ${urlWrong}` });
    for (const [name, value] of Object.entries(config.headers ?? {})) {
      const wrong = headerProblem(name, value);
      if (wrong !== undefined) ctx.addIssue({ code: "custom", path: ["headers", name], message: `header ${JSON.stringify(name)} ${wrong}` });
    }
    if (!config.auth || !config.headers) return;
    // Both would send two Authorization headers; which one a server honours is anyone's guess.
    for (const name of Object.keys(config.headers)) {
      if (name.toLowerCase() === "authorization") {
        ctx.addIssue({ code: "custom", path: ["headers", name], message: "set either auth or an Authorization header, not both" });
      }
    }
  });

/** The `http_request` config. */
export type HttpRequestConfig = z.output<typeof httpRequestConfigSchema>;

/**
 * Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`.
 * @internal
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function encodeBody(config: HttpRequestConfig, headers: Record<string, string>): string | undefined {
  if (config.body === undefined || config.method === "GET") return undefined;
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  if (config.bodyType === "text") {
    if (!has("content-type")) headers["content-type"] = "text/plain; charset=utf-8";
    return typeof config.body === "string" ? config.body : JSON.stringify(config.body);
  }
  if (config.bodyType === "form") {
    if (!has("content-type")) headers["content-type"] = "application/x-www-form-urlencoded";
    const entries = Object.entries((config.body ?? {}) as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]);
    return new URLSearchParams(entries).toString();
  }
  if (!has("content-type")) headers["content-type"] = "application/json";
  return JSON.stringify(config.body);
}

/**
 * `http_request`: sends a request through the shared guarded client. Every field may be templated. Sends an
 * `Idempotency-Key` derived from run + node. Non-2xx answers fail the node (`HTTP_STATUS_ERROR`; 5xx, 408 and 429
 * are retried when the node has a retry policy, honouring `Retry-After`). Output: `{ status, headers, body, url }`.
 */
export const httpRequestNode = defineNode({
  type: "http_request",
  config: httpRequestConfigSchema,
  execute: async (ctx) => {
    const { config, services } = ctx;
    // The client parses the URL itself; only query parameters need a URL object here.
    let url: string | URL = config.url;
    if (config.query) {
      url = new URL(config.url);
      for (const [key, value] of Object.entries(config.query)) url.searchParams.append(key, String(value));
    }
    const headers: Record<string, string> = { "idempotency-key": ctx.idempotencyKey, ...config.headers };
    const body = encodeBody(config, headers);
    if (config.auth) {
      assertCredentialHost(services, config.auth.provider, url);
      headers.authorization = `${config.auth.scheme} ${await credentialToken(services, config.auth.provider, ctx)}`;
    }
    const request: HttpRequest = { method: config.method, url, headers, signal: ctx.abortEmitter };
    if (body !== undefined) request.body = body;
    if (config.timeoutMs !== undefined) request.timeoutMs = config.timeoutMs;
    if (config.maxResponseBytes !== undefined) request.maxResponseBytes = config.maxResponseBytes;
    const response = await services.http.request(request);
    if (response.status < 200 || response.status >= 300) {
      const wait = retryAfterMs(response.headers["retry-after"], services.clock.now());
      throw new HttpStatusError({ status: response.status, ...(wait === undefined ? {} : { retryAfterMs: wait }) });
    }
    return response;
  },
});
