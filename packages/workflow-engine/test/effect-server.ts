import { startServer } from "./http-server.js";

/**
 * A local server for the queue tests: `POST /effect` applies a side effect once per `Idempotency-Key` (as an
 * idempotent API would) and counts every delivery; `/fail` answers 500; `/slow` answers after `?ms=`.
 * @internal
 */
export async function startEffectServer() {
  const deliveries = new Map<string, number>();
  const server = await startServer((req, res) => {
    const key = String(req.headers["idempotency-key"] ?? "");
    if (req.url.startsWith("/effect")) {
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      const body = JSON.parse(req.body || "{}") as { n?: unknown };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ n: body.n, applied: true }));
      return;
    }
    if (req.url.startsWith("/slow")) {
      const ms = Number(new URL(req.url, "http://x").searchParams.get("ms") ?? "0");
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      }, ms);
      return;
    }
    res.writeHead(500, { "content-type": "application/json" });
    res.end('{"error":"boom"}');
  });
  return { ...server, deliveries };
}
