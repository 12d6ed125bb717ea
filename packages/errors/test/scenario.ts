import Boom from "@hapi/boom";
import { HTTPException } from "hono/http-exception";
import createHttpError from "http-errors";
import { z } from "zod";
import {
  AgentNotFoundError,
  ConflictError,
  DatabaseError,
  ExternalServiceError,
  ForbiddenError,
  InternalError,
  parseInput,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UserAlreadyExistsError,
  UserNotFoundError,
  ValidationError,
} from "../src/index.js";

/** What each `GET /throw/:case` route throws; every host serves the same table. */
export const throwers: Record<string, () => never> = {
  validation: () => {
    throw new ValidationError({ field: "email", message: "Email is required" });
  },
  user_not_found: () => {
    throw new UserNotFoundError({ userId: "abc123" });
  },
  agent_not_found: () => {
    throw new AgentNotFoundError({ agentId: "agent-7" });
  },
  user_exists: () => {
    throw new UserAlreadyExistsError({ email: "a@b.co" });
  },
  conflict: () => {
    throw new ConflictError();
  },
  unauthorized: () => {
    throw new UnauthorizedError();
  },
  forbidden: () => {
    throw new ForbiddenError();
  },
  rate_limited: () => {
    throw new RateLimitedError({ retryAfter: 30 });
  },
  database: () => {
    throw new DatabaseError({ message: "relation users does not exist" });
  },
  external: () => {
    throw new ExternalServiceError({ service: "slack" });
  },
  timeout: () => {
    throw new TimeoutError({ timeoutMs: 5000 });
  },
  internal: () => {
    throw new InternalError();
  },
  zod: () => {
    z.object({ name: z.string() }).parse({ name: 1 });
    throw new Error("unreachable");
  },
  prefixed: () => {
    parseInput(z.object({ state: z.string() }), { state: 7 }, "[@atom/oauth-store] consumeState");
    throw new Error("unreachable");
  },
  string: () => {
    throw "a thrown string";
  },
  null: () => {
    throw null;
  },
  plain_error: () => {
    throw new Error("db password is hunter2");
  },
};

/**
 * What each `GET /foreign/:case` route throws: other libraries' HTTP errors, with the headers they ask for.
 * Every host serves the same table.
 */
export const foreignThrowers: Record<string, () => never> = {
  http_errors_429: () => {
    throw createHttpError(429, "Slow down", { headers: { "Retry-After": "120" } });
  },
  http_errors_401: () => {
    throw createHttpError(401, "Token expired", { headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
  },
  boom_503: () => {
    const error = Boom.serverUnavailable("maintenance window until 04:00 at db-primary.internal");
    error.output.headers["Retry-After"] = "60";
    throw error;
  },
  boom_401: () => {
    throw Boom.unauthorized("Bad token", "Bearer");
  },
  hono_503: () => {
    throw new HTTPException(503, {
      message: "queue full",
      res: new Response("queue full", { headers: { "Retry-After": "15", "content-type": "text/plain" } }),
    });
  },
  hono_429: () => {
    throw new HTTPException(429, { message: "Too fast", res: new Response(null, { headers: { "Retry-After": "5" } }) });
  },
};

/** The body schema of `POST /echo`. */
export const echoBody = z.object({ name: z.string().min(1) });

/** A running host. */
export interface RunningHost {
  url: string;
  close(): Promise<void>;
}
