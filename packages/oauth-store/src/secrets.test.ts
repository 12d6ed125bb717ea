import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { format, inspect } from "node:util";
import { ExternalServiceError, logSevereErrors, toAtomError, toErrorResponse } from "@atom/errors";
import { createSqlExecutor } from "@atom/sql";
import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createOAuthStore, memoryAdapter, type OAuthStore, type OAuthStoreAdapter, type RefreshedTokens } from "./index.js";
import { migrate, postgresAdapter } from "./postgres/index.js";
import { createTestClock } from "./testing/index.js";

// A scripted run of every public method, including provider failures of every shape and a real driver error,
// then a grep of everything it produced (errors through util.inspect with their cause chains, JSON.stringify,
// development error bodies, log lines, returned objects) for every secret it used.

const tag = randomUUID().slice(0, 8);
const CLIENT_SECRET = `client-secret-${tag}`;
const KEY = Buffer.alloc(32, 0x5a);
const BAD_KEY = `short-key-${tag}`;
const secrets = new Set<string>([CLIENT_SECRET, KEY.toString("base64"), KEY.toString("base64url"), KEY.toString("hex"), BAD_KEY]);
const secret = (name: string) => {
  const value = `${name}-${tag}-${randomUUID().slice(0, 8)}`;
  secrets.add(value);
  return value;
};

let provider: Server;
let providerUrl: string;
let db: TestDatabase;

beforeAll(async () => {
  // A token endpoint that refuses every refresh and echoes the request, as misconfigured gateways do.
  provider = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "invalid_grant", echo: body, authorization: req.headers.authorization }));
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
  providerUrl = `http://127.0.0.1:${(provider.address() as { port: number }).port}/token`;
  db = await createTestDatabase();
  await migrate(db.client, { tablePrefix: "leak_" });
  // A constraint that makes Postgres fail with "Failing row contains (...)": every column, tokens included.
  await createSqlExecutor(db.client).query(`ALTER TABLE leak_oauth_tokens ADD CONSTRAINT leak_no_boom CHECK (provider <> 'boom')`);
});
afterAll(async () => {
  await new Promise((resolve) => provider.close(resolve));
  await db.close();
});

/** Calls the test provider the way an app would, and throws what HTTP clients throw: the request attached. */
async function httpRefresh(refreshToken: string): Promise<RefreshedTokens> {
  const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: "app", client_secret: CLIENT_SECRET });
  const headers = { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`app:${CLIENT_SECRET}`).toString("base64")}` };
  const response = await fetch(providerUrl, { method: "POST", headers, body });
  const text = await response.text();
  throw Object.assign(new Error(`token endpoint answered ${response.status}: ${text}`), {
    request: { url: providerUrl, headers, body: body.toString() },
    response: { status: response.status, body: text },
  });
}

/** Every shape of refresh failure a provider integration produces. */
const failures: Record<string, (refreshToken: string) => Promise<RefreshedTokens>> = {
  "HTTP 400 echoing the request": httpRefresh,
  "message with the token": async (token) => {
    throw new Error(`invalid_grant for ${token}`);
  },
  "thrown string": async (token) => {
    throw `refresh_token=${token} rejected`;
  },
  "AtomError with details and a cause chain": async (token) => {
    const inner = Object.assign(new Error(`upstream said Bearer ${token}`), { config: { data: `client_secret=${CLIENT_SECRET}` } });
    throw new ExternalServiceError({ service: "github", message: `refresh of ${token} failed`, cause: new Error("wrapped", { cause: inner }) });
  },
  "invalid refresh result": async (token) => ({ accessToken: `${token}\u0000`, refreshToken: token }) as RefreshedTokens,
};

interface Run {
  errors: unknown[];
  results: unknown[];
}

/** Drives every public method of `store`, collecting every error and every returned value. */
async function script(store: OAuthStore, clock: ReturnType<typeof createTestClock>): Promise<Run> {
  const run: Run = { errors: [], results: [] };
  const attempt = async (promise: Promise<unknown> | (() => unknown)) => {
    try {
      run.results.push(await (typeof promise === "function" ? promise() : promise));
    } catch (error) {
      run.errors.push(error);
    }
  };
  const userId = `user-${randomUUID()}`;
  const created = await store.createState({ userId, provider: "github", scopes: ["repo"], pkce: true, redirectUri: "https://app.example/cb" });
  run.results.push(created);
  const consumed = await store.consumeState(created.state, { provider: "github", userId });
  if (consumed.codeVerifier !== null) secrets.add(consumed.codeVerifier);
  run.results.push(consumed);
  await attempt(store.consumeState(created.state, { provider: "github", userId }));
  await attempt(store.purgeExpired());

  for (const [name, refresh] of Object.entries(failures)) {
    const p = `p-${name.replace(/\W+/g, "-")}`;
    await attempt(store.saveTokens({ userId, provider: p, accessToken: secret("at"), refreshToken: secret("rt"), expiresIn: 0, raw: { id_token: secret("idt") } }));
    await attempt(store.getValidAccessToken(userId, p, { refresh }));
    await attempt(store.getTokens(userId, p));
  }
  const working = "p-working";
  await attempt(store.saveTokens({ userId, provider: working, accessToken: secret("at"), refreshToken: secret("rt"), expiresIn: 0 }));
  const fresh = secret("at");
  await attempt(store.getValidAccessToken(userId, working, { refresh: async () => ({ accessToken: fresh, refreshToken: secret("rt"), expiresIn: 3600 }) }));
  await attempt(store.saveTokens({ userId, provider: "boom", accessToken: secret("at"), refreshToken: secret("rt") }));
  await attempt(store.saveTokens({ userId, provider: "bad", accessToken: `${secret("at")}\u0000` }));
  await attempt(store.saveTokens({ userId, provider: "big", accessToken: secret("at").repeat(2000) }));
  await attempt(store.listByUser(userId));
  await attempt(store.listConnections(userId));
  await attempt(() => store.isExpired({ expiresAt: new Date() }));
  await attempt(store.reencryptAll());
  await attempt(store.revokeTokens(userId, working));
  await attempt(store.getValidAccessToken(userId, working, { refresh: failures["message with the token"] as never }));
  await attempt(store.deleteTokens(userId, working));
  await attempt(store.deleteTokens(userId));
  await attempt(() => createOAuthStore({ encryption: { keys: { v1: BAD_KEY }, current: "v1" } }));
  clock.advance(1000);
  return run;
}

/** Everything a run lets out, as text: what a developer, a log pipeline or a client could ever see. */
function exposures(run: Run, logged: string[]): string[] {
  const texts: string[] = [...logged];
  for (const error of run.errors) {
    texts.push(inspect(error, { depth: 20 }), inspect(error, { depth: 20, showHidden: true }), JSON.stringify(error), String(error));
    for (const production of [false, true]) texts.push(JSON.stringify(toErrorResponse(error, { production, requestId: "r" }).body));
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void texts.push(format(...args)));
    logSevereErrors({ error: toAtomError(error), original: error, severity: "critical", status: 500, requestId: "r" } as never);
    spy.mockRestore();
  }
  for (const result of run.results) texts.push(JSON.stringify(result) ?? "", inspect(result, { depth: 20 }), String(result));
  return texts;
}

const adapters: Record<string, () => OAuthStoreAdapter> = {
  memory: () => memoryAdapter(),
  postgres: () => postgresAdapter({ pool: db.client, tablePrefix: "leak_" }),
};

describe.each(Object.keys(adapters))("no secret leaves the store (%s)", (name) => {
  const logged: string[] = [];
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ["encrypted", true],
    ["plaintext", false],
  ])("%s: no error, cause chain, detail, log line or returned object contains a secret", async (_mode, encrypted) => {
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, "write").mockImplementation((chunk: unknown) => (logged.push(String(chunk)), true));
    }
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(format(...args)));
    }
    const clock = createTestClock();
    const store = createOAuthStore({
      adapter: (adapters[name] as () => OAuthStoreAdapter)(),
      clock: clock.now,
      redact: [CLIENT_SECRET],
      refreshWait: { intervalMs: 1 },
      ...(encrypted ? { encryption: { keys: { v1: KEY }, current: "v1" } } : {}),
    });
    const run = await script(store, clock);
    vi.restoreAllMocks();

    const codes = run.errors.map((e) => (e as { code?: string }).code);
    expect(codes).toContain("OAUTH_REFRESH_FAILED");
    expect(codes).toContain("VALIDATION_ERROR");
    expect(codes).toContain("OAUTH_TOKENS_NOT_FOUND");
    if (name === "postgres") expect(codes).toContain("DATABASE_ERROR");
    const texts = exposures(run, logged);
    const leaks = texts.flatMap((text) => [...secrets].filter((s) => text.includes(s)).map((s) => `${s} in ${text.slice(0, 300)}`));
    expect(leaks).toEqual([]);
    // The provider's reason survives, only without the secrets.
    expect(inspect(run.errors.find((e) => inspect(e).includes("token endpoint answered 400")))).toContain("refresh_token=[redacted]");
  });
});
