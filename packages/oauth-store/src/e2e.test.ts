import { createTestDatabase, type TestDatabase } from "@atom/test-db";
import { OAuth2Server } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createOAuthStore, type OAuthStore, type RefreshedTokens } from "./index.js";
import { migrate, postgresAdapter } from "./postgres/index.js";
import { createTestClock } from "./testing/index.js";

// A full authorization-code + PKCE + refresh flow against a real OAuth 2 server on 127.0.0.1:0, with the tokens in
// Postgres (PGlite locally), encrypted.
const CLIENT_ID = "atom-e2e";
const REDIRECT_URI = "http://127.0.0.1/oauth/callback";

let server: OAuth2Server;
let db: TestDatabase;
let store: OAuthStore;
const clock = createTestClock(new Date());

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  id_token?: string;
  error?: string;
}

async function tokenRequest(params: Record<string, string>): Promise<{ status: number; body: TokenResponse }> {
  const response = await fetch(`${server.issuer.url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...params }),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse };
}

async function refreshAtProvider(refreshToken: string): Promise<RefreshedTokens> {
  const { status, body } = await tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken });
  if (status !== 200) throw new Error(`token endpoint answered ${status} ${body.error ?? ""}`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token ?? null, expiresIn: body.expires_in, raw: { ...body } };
}

/** Plays the browser: follows the authorization URL to the provider and reads the callback it redirects to. */
async function authorize(state: string, codeChallenge: string): Promise<URL> {
  const url = new URL(`${server.issuer.url}/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: "openid profile",
    state,
    code_challenge: codeChallenge,
    code_challenge_method: "S256",
  }).toString();
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location") as string);
}

beforeAll(async () => {
  server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(0, "127.0.0.1");
  db = await createTestDatabase();
  await migrate(db.client);
  store = createOAuthStore({
    adapter: postgresAdapter({ pool: db.client }),
    encryption: { keys: { v1: Buffer.alloc(32, 9) }, current: "v1" },
    clock: clock.now,
    refreshWait: { intervalMs: 2 },
  });
});
afterAll(async () => {
  await server.stop();
  await db.close();
});

describe("authorization code + PKCE + refresh against oauth2-mock-server", () => {
  it("runs the whole flow: state, PKCE exchange, storage, replay refusal, single-flight refresh", async () => {
    const created = await store.createState({ userId: "alice", provider: "mock", scopes: ["openid", "profile"], redirectUri: REDIRECT_URI, pkce: true });
    const callback = await authorize(created.state, created.codeChallenge as string);
    expect(callback.searchParams.get("state")).toBe(created.state);

    const consumed = await store.consumeState(callback.searchParams.get("state") as string, { provider: "mock", userId: "alice" });
    const exchange = await tokenRequest({
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: consumed.redirectUri as string,
      code_verifier: consumed.codeVerifier as string,
    });
    expect(exchange.status).toBe(200);
    const saved = await store.saveTokens({
      userId: "alice",
      provider: "mock",
      accessToken: exchange.body.access_token,
      refreshToken: exchange.body.refresh_token ?? null,
      expiresIn: exchange.body.expires_in,
      scopes: consumed.scopes,
      tokenType: exchange.body.token_type,
      raw: { id_token: exchange.body.id_token },
    });
    expect(saved.accessToken.split(".")).toHaveLength(3);

    await expect(store.consumeState(created.state, { provider: "mock", userId: "alice" })).rejects.toMatchObject({ code: "OAUTH_STATE_USED" });

    clock.advance(exchange.body.expires_in * 1000);
    const refresh = vi.fn(refreshAtProvider);
    const results = await Promise.all(Array.from({ length: 5 }, () => store.getValidAccessToken("alice", "mock", { refresh })));
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith(saved.refreshToken, expect.objectContaining({ accessToken: saved.accessToken }));
    const fresh = results[0];
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(fresh?.expiresAt).toEqual(new Date(clock.now().getTime() + exchange.body.expires_in * 1000));
    expect(fresh?.refreshToken).not.toBe(saved.refreshToken);
  });

  it("is refused by the provider when the PKCE verifier does not belong to the challenge", async () => {
    const first = await store.createState({ userId: "bob", provider: "mock", pkce: true });
    const second = await store.createState({ userId: "bob", provider: "mock", pkce: true });
    const callback = await authorize(first.state, first.codeChallenge as string);
    await store.consumeState(first.state, { provider: "mock" });
    const other = await store.consumeState(second.state, { provider: "mock" });
    const exchange = await tokenRequest({
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: REDIRECT_URI,
      code_verifier: other.codeVerifier as string,
    });
    expect(exchange).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });

  it("marks the tokens refresh_failed when the provider answers invalid_grant", async () => {
    await store.saveTokens({ userId: "carol", provider: "mock", accessToken: "expired", refreshToken: "revoked-at-provider", expiresIn: 0 });
    server.service.once("beforeResponse", (response) => {
      response.statusCode = 400;
      response.body = { error: "invalid_grant" };
    });
    await expect(store.getValidAccessToken("carol", "mock", { refresh: refreshAtProvider })).rejects.toMatchObject({
      code: "OAUTH_REFRESH_FAILED",
      status: 502,
    });
    expect(await store.getTokens("carol", "mock")).toMatchObject({ status: "refresh_failed", lastError: "Error: token endpoint answered 400 invalid_grant" });
  });
});
