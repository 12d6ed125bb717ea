import { isIP } from "node:net";
import { isAtomError, parseInput, TimeoutError } from "@atom/errors";
import { Agent, type Dispatcher } from "undici";
import { z } from "zod";
import { durationSchema } from "../duration.js";
import { HttpRequestFailedError, HttpStatusError, ResponseTooLargeError, SsrfBlockedError } from "../errors.js";
import { blockedAddressReason } from "./address-policy.js";
import { guardedLookup } from "./guarded-lookup.js";
import { parseBody } from "./parse-body.js";
import { checkedRequestUrl } from "./request-shape.js";
import { CancelScope, scopeBehind } from "../cancel-scope.js";
import { clearLongTimeout, setLongTimeout, systemClock } from "../timing.js";
import type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse } from "./types.js";

const optionsSchema = z.object({
  connections: z.number().int().positive().optional(),
  keepAliveTimeout: z.number().int().positive().optional(),
  allowH2: z.boolean().optional(),
  allowPrivateNetwork: z.boolean().optional(),
  allowHosts: z.array(z.string().min(1)).optional(),
  lookup: z.custom<HttpClientOptions["lookup"]>((value) => typeof value === "function").optional(),
  maxRedirects: z.number().int().min(0).max(20).optional(),
  timeoutMs: durationSchema.min(1).optional(),
  maxResponseBytes: z.number().int().positive().optional(),
  ca: z
    .union([z.string().min(1), z.instanceof(Uint8Array), z.array(z.union([z.string().min(1), z.instanceof(Uint8Array)])).min(1)])
    .optional(),
});

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** The caller's signal (either form undici accepts) aborting `scope` with its reason; returns the unsubscribe. */
function follow(signal: NonNullable<HttpRequest["signal"]>, scope: CancelScope): () => void {
  const forward = () => scope.abort(signal.reason);
  if (signal.aborted) {
    forward();
    return () => undefined;
  }
  if ("addEventListener" in signal) {
    signal.addEventListener("abort", forward, { once: true });
    return () => signal.removeEventListener("abort", forward);
  }
  signal.once("abort", forward);
  return () => signal.removeListener("abort", forward);
}

function bareHost(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

function findSsrfError(error: unknown): unknown {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (isAtomError(current, "SSRF_BLOCKED")) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  // `for in` rather than `Object.entries`, which makes an array per header.
  for (const key in headers) {
    if (!Object.hasOwn(headers, key)) continue;
    const value = headers[key];
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * Creates the pooled, keep-alive HTTP client (undici) with the SSRF guard on: destinations resolving to loopback,
 * private, link-local, CGNAT, unique-local or cloud-metadata addresses (IPv4, IPv6, IPv4-mapped) are refused after
 * DNS resolution and again on every redirect, and the socket is pinned to the vetted address.
 *
 * @example
 * ```ts
 * import { createHttpClient } from "@atom/workflow-engine/http";
 * const http = createHttpClient({ connections: 32, keepAliveTimeout: 10_000 });
 * const res = await http.request({ method: "GET", url: "https://api.example.com/users/1" });
 * ```
 * @throws ValidationError (`VALIDATION_ERROR`) on bad options.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const opts = parseInput(optionsSchema, options, "[@atom/workflow-engine] createHttpClient") as HttpClientOptions;
  const allowHosts = new Set((opts.allowHosts ?? []).map((host) => bareHost(host.toLowerCase())));
  const guardOff = opts.allowPrivateNetwork === true;
  const isAllowedHost = (host: string) => guardOff || allowHosts.has(bareHost(host.toLowerCase()));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const agentOptions = (allowH2: boolean): Agent.Options => ({
    connections: opts.connections ?? 64,
    keepAliveTimeout: opts.keepAliveTimeout ?? 4_000,
    allowH2,
    connect: {
      ...(guardOff ? {} : { lookup: guardedLookup(isAllowedHost, opts.lookup) }),
      ...(opts.ca === undefined ? {} : { ca: opts.ca as string | Buffer | (string | Buffer)[] }),
    },
  });
  const agent = new Agent(agentOptions(opts.allowH2 ?? false));
  // undici 7 (the last major for Node 20) breaks an HTTP/2 session on a DELETE with a body (nodejs/undici#5027,
  // fixed in 8.x by #5030): the request fails and the next one to that origin hangs. Such requests go over an
  // HTTP/1.1-only pool instead, made on first use.
  let http1: Agent | undefined;
  const dispatcherFor = (method: string, body: HttpRequest["body"]): Agent =>
    opts.allowH2 === true && method === "DELETE" && body !== undefined && body.length > 0
      ? (http1 ??= new Agent(agentOptions(false)))
      : agent;

  const vet = (url: URL) => {
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new SsrfBlockedError({ host: url.hostname, reason: `protocol ${url.protocol} is not allowed` });
    }
    const host = bareHost(url.hostname);
    if (isIP(host) === 0 || isAllowedHost(host)) return;
    const reason = blockedAddressReason(host);
    if (reason) throw new SsrfBlockedError({ host, address: host, reason });
  };

  // undici's own timeouts are per phase and reset on every body chunk; the attempt's timer bounds the sum instead.
  // Not `async`: the caller awaits it inside its own error mapping, which saves a frame per request.
  const send = (url: URL, request: HttpRequest, method: string, body: HttpRequest["body"], attempt: CancelScope) => {
    vet(url);
    return dispatcherFor(method, body).request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: method as Dispatcher.HttpMethod,
      headers: request.headers ?? {},
      body: body ?? null,
      signal: attempt.abortEmitter,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  };

  const mapError = (error: unknown, url: URL, request: HttpRequest): unknown => {
    const ssrf = findSsrfError(error);
    if (ssrf) return ssrf;
    if (request.signal?.aborted) return request.signal.reason;
    if (isAtomError(error)) return error;
    const code = (error as { code?: string }).code ?? "";
    if (TIMEOUT_CODES.has(code)) {
      return new TimeoutError({ timeoutMs: request.timeoutMs ?? timeoutMs, message: `[@atom/workflow-engine] [http] request to "${url.hostname}" timed out` });
    }
    return new HttpRequestFailedError({ host: url.hostname, reason: code || "connection failed" }, { cause: error });
  };

  // Listeners on the body rather than `for await`: the stream's async iterator allocated more per response than the
  // rest of the request (an iterator, end-of-stream wiring, a promise per chunk).
  const readBody = (response: Dispatcher.ResponseData, cap: number, url: URL, request: HttpRequest, attempt: CancelScope) => {
    const declared = Number(response.headers["content-length"] ?? 0);
    if (declared > cap) {
      response.body.destroy();
      return Promise.reject(new ResponseTooLargeError({ maxResponseBytes: cap }));
    }
    const body = response.body;
    const gone = body.errored ?? (body.destroyed ? prematureClose() : undefined);
    if (gone !== undefined) return Promise.reject(mapError(gone, url, request));
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (error: unknown, raw?: Buffer) => {
        if (settled) return;
        settled = true;
        // The error listener stays: destroying an unfinished body makes undici emit an abort error after this.
        body.off("data", onData).off("end", onEnd).off("close", onClose);
        if (raw) resolve(raw);
        else reject(mapError(error, url, request));
      };
      const onData = (chunk: Buffer) => {
        // An abort after the headers may reach undici between two chunks; re-check so it is never outrun by the body.
        if (attempt.aborted) {
          finish(attempt.reason);
          body.destroy();
          return;
        }
        size += chunk.length;
        if (size > cap) {
          finish(new ResponseTooLargeError({ maxResponseBytes: cap }));
          body.destroy();
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      const onClose = () => finish(prematureClose());
      body.on("data", onData).on("end", onEnd).on("error", finish).on("close", onClose);
    });
  };

  let closing: Promise<void> | undefined;

  const attemptRequest = async (start: URL, request: HttpRequest, attempt: CancelScope, moved: (url: URL) => void) => {
    let url = start;
    let method: string = request.method;
    let body = request.body;
    const cap = request.maxResponseBytes ?? opts.maxResponseBytes ?? 10 * 1024 * 1024;
    const maxRedirects = opts.maxRedirects ?? 5;
    for (let hop = 0; ; hop++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await send(url, request, method, body, attempt);
      } catch (error) {
        throw mapError(error, url, request);
      }
      const location = response.headers.location;
      if (REDIRECTS.has(response.statusCode) && typeof location === "string" && hop < maxRedirects) {
        await response.body.dump();
        // A redirect nobody can follow is the server's answer, not a network failure: not retried, and the raw
        // header (which may carry a token) stays out of the error.
        if (!URL.canParse(location, url.href)) {
          const status = response.statusCode;
          throw new HttpStatusError({ status }, { message: `[@atom/workflow-engine] [http] server answered ${status} with a Location that is not a valid URL` });
        }
        const next = new URL(location, url);
        // Never sent (undici sends origin and path), but a redirect target's credentials must not reach `url`.
        next.username = "";
        next.password = "";
        if (next.origin !== url.origin && request.headers) {
          request = { ...request, headers: crossOriginHeaders(request.headers) };
        }
        if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
        }
        url = next;
        moved(url);
        continue;
      }
      const headers = flattenHeaders(response.headers);
      const raw = method === "HEAD" ? Buffer.alloc(0) : await readBody(response, cap, url, request, attempt);
      return { status: response.statusCode, headers, body: parseBody(raw, headers["content-type"]), url: url.href };
    }
  };

  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      let url = checkedRequestUrl(request.url, request.headers);
      const limit = request.timeoutMs ?? timeoutMs;
      const attempt = new CancelScope();
      // The engine's own emitter (`ctx.abortEmitter`) links the scopes directly, without listener closures.
      const parent = request.signal && scopeBehind(request.signal);
      if (parent) parent.link(attempt);
      const unfollow = request.signal && !parent ? follow(request.signal, attempt) : undefined;
      const timer = setLongTimeout(
        systemClock,
        () => attempt.abort(new TimeoutError({ timeoutMs: limit, message: `[@atom/workflow-engine] [http] request to "${url.hostname}" timed out` })),
        limit,
      );
      try {
        return await attemptRequest(url, request, attempt, (next) => (url = next));
      } finally {
        clearLongTimeout(systemClock, timer);
        parent?.unlink(attempt);
        unfollow?.();
      }
    },
    // Never rejects: closing is best effort, and a pool undici already closed (or broke) must not crash the caller.
    close: async () => {
      if (closing === undefined) {
        closing = Promise.allSettled([agent.close(), http1?.close()]).then(() => undefined);
      }
      return closing;
    },
  };
}

/** What a body closed before its end fails with: the error `for await` over such a stream throws. */
function prematureClose(): Error {
  return Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

// Headers that describe the request rather than authorise it: the only ones a cross-origin redirect keeps.
const CROSS_ORIGIN_SAFE = new Set(["accept", "accept-encoding", "accept-language", "content-language", "content-type", "user-agent", "idempotency-key"]);

/**
 * The headers a cross-origin redirect hop sends: any other header (`Authorization`, cookies, `X-Api-Key`, whatever a
 * definition configured) may carry a secret meant for the first origin only.
 */
function crossOriginHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (CROSS_ORIGIN_SAFE.has(key.toLowerCase())) out[key] = value;
  }
  return out;
}
