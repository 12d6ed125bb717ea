import { z } from "zod";
import {
  AgentNotFoundError,
  ConflictError,
  DatabaseError,
  ExternalServiceError,
  ForbiddenError,
  InternalError,
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

/** The body schema of `POST /echo`. */
export const echoBody = z.object({ name: z.string().min(1) });

/** A running host. */
export interface RunningHost {
  url: string;
  close(): Promise<void>;
}
