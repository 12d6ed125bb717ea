import type { EngineEvents } from "./types.js";

/** The part of an OpenTelemetry `Span` the engine uses. */
export interface SpanLike {
  /** Sets one attribute. */
  setAttribute(key: string, value: string | number | boolean): unknown;
  /** Sets the status (`code` 1 = OK, 2 = ERROR, as in `@opentelemetry/api`'s `SpanStatusCode`). */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Ends the span. */
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` the engine uses: pass `trace.getTracer("workflows")`. */
export interface TracerLike {
  /** Starts a span. */
  startSpan(name: string, options?: { attributes?: Record<string, string | number | boolean> }): SpanLike;
}

type Subscribe = <E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void) => unknown;

const OK = 1;
const ERROR = 2;

/**
 * Records one span per node (`workflow.node <type>`) from the engine's events, with run id, node id, status,
 * attempts and error code as attributes. No payloads, so no secrets.
 * @internal
 */
export function traceNodes(tracer: TracerLike, on: Subscribe): void {
  const spans = new Map<string, SpanLike>();
  on("node:start", ({ runId, nodeId, type }) => {
    spans.set(`${runId}\u0000${nodeId}`, tracer.startSpan(`workflow.node ${type}`, {
      attributes: { "workflow.run_id": runId, "workflow.node_id": nodeId, "workflow.node_type": type },
    }));
  });
  on("node:finish", ({ runId, nodeId, result }) => {
    const key = `${runId}\u0000${nodeId}`;
    const span = spans.get(key);
    if (!span) return;
    spans.delete(key);
    span.setAttribute("workflow.node_status", result.status);
    span.setAttribute("workflow.attempts", result.attempts);
    if (result.error) span.setAttribute("workflow.error_code", result.error.code);
    span.setStatus(result.status === "failed" ? { code: ERROR, message: result.error?.code ?? "failed" } : { code: OK });
    span.end();
  });
}
