import type { LookupFunction } from "node:net";

/** Options of `createHttpClient`. */
export interface HttpClientOptions {
  /** Maximum sockets per origin. @default 64 */
  connections?: number;
  /** How long an idle keep-alive socket stays open, in ms. @default 4000 */
  keepAliveTimeout?: number;
  /**
   * Negotiate HTTP/2 over TLS (ALPN) when the server offers it. A `DELETE` with a body still goes over HTTP/1.1
   * (undici 7, the last major for Node 20, breaks the HTTP/2 session on one). @default false
   */
  allowH2?: boolean;
  /**
   * Turn the SSRF guard off entirely (loopback, private, link-local, metadata... become reachable).
   * Prefer `allowHosts`. @default false
   */
  allowPrivateNetwork?: boolean;
  /** Hostnames or IP literals exempt from the SSRF guard (`["127.0.0.1", "internal.example"]`). @default [] */
  allowHosts?: string[];
  /** DNS resolver with the `dns.lookup` signature; inject one in tests. @default dns.lookup */
  lookup?: LookupFunction;
  /** Redirects followed per request (each hop is re-checked by the guard). @default 5 */
  maxRedirects?: number;
  /**
   * Default time limit of a whole request, in ms: connect, every redirect hop, headers and the complete body (a
   * server trickling its body cannot stretch it). At most `MAX_DURATION_MS`. @default 30000
   */
  timeoutMs?: number;
  /** Default response body cap, in bytes. @default 10485760 (10 MiB) */
  maxResponseBytes?: number;
  /**
   * Trusted CA certificates (PEM) for https, as `tls.connect`'s `ca`: they replace Node's bundled list. For a
   * private CA, or a test server's self-signed certificate. @default Node's bundled CAs
   */
  ca?: string | Uint8Array | (string | Uint8Array)[];
}

/**
 * The `EventEmitter` form of abort signal undici accepts: `aborted` and `reason` mirror `AbortSignal`, and
 * `"abort"` listeners run once when it aborts. A Node `EventEmitter` with those two fields fits;
 * `NodeContext.abortEmitter` is a lighter object of this shape.
 */
export interface AbortEmitter {
  /** True once aborted. */
  readonly aborted: boolean;
  /** Why it aborted (an `AtomError` from the engine). */
  readonly reason: unknown;
  /** Adds an `"abort"` listener. */
  on(event: "abort", listener: () => void): this;
  /** Adds a one-shot `"abort"` listener. */
  once(event: "abort", listener: () => void): this;
  /** Removes an `"abort"` listener. */
  removeListener(event: "abort", listener: () => void): this;
}

/** One request. */
export interface HttpRequest {
  /** HTTP method. */
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
  /** Absolute http(s) URL. */
  url: string | URL;
  /** Request headers. */
  headers?: Record<string, string>;
  /** Request body. */
  body?: string | Uint8Array;
  /**
   * Aborts the request (and the body read): an `AbortSignal`, or an {@link AbortEmitter} (undici's other signal
   * form, which the engine's nodes pass because listening on one costs far less than on a fresh `AbortSignal`).
   */
  signal?: AbortSignal | AbortEmitter;
  /** Overrides the client's `timeoutMs` (the bound on the whole request, body included). */
  timeoutMs?: number;
  /** Overrides the client's `maxResponseBytes`. */
  maxResponseBytes?: number;
}

/** A response with its body read and parsed. */
export interface HttpResponse {
  /** Status code. */
  status: number;
  /** Response headers, lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** JSON bodies parsed, text-like bodies as a string, other bodies as base64, empty bodies as `null`. */
  body: unknown;
  /** The final URL after redirects. */
  url: string;
}

/** A pooled, SSRF-guarded HTTP client, shared by `http_request` and actions; hosts may reuse it. */
export interface HttpClient {
  /**
   * Sends a request, following redirects, reading the body within the size cap. Does not throw on non-2xx.
   * @throws SsrfBlockedError (`SSRF_BLOCKED`) when the destination or a redirect target is refused.
   * @throws HttpRequestFailedError (`HTTP_REQUEST_FAILED`) on connection failure.
   * @throws ResponseTooLargeError (`HTTP_RESPONSE_TOO_LARGE`) past the size cap.
   * @throws TimeoutError (`TIMEOUT`) when the whole request (connect, redirects, headers, body) outlasts `timeoutMs`.
   */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes every pooled connection; never rejects, and a second call waits for the first. */
  close(): Promise<void>;
}
