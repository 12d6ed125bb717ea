import { ExternalServiceError, NotFoundError } from "@atom/errors";
import type { OAuthStore, RefreshedTokens } from "@atom/oauth-store";
import { z } from "zod";
import { parseRequest } from "./request.js";

/** An OAuth 2 provider the example API can connect to. */
export interface OAuthProvider {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: string[];
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
});

const callbackQuery = z.object({ code: z.string().min(1), state: z.string().min(1).max(512) });
const userHeader = z.object({ "x-user-id": z.string().min(1).max(128) });

/** Reads the caller's user id from the `x-user-id` header (the example has no login). */
export function userIdFrom(headers: Record<string, unknown>): string {
  return parseRequest(userHeader, headers, "headers")["x-user-id"];
}

function providerOf(providers: Record<string, OAuthProvider>, name: string): OAuthProvider {
  const provider = Object.hasOwn(providers, name) ? providers[name] : undefined;
  if (!provider) throw new NotFoundError({ resource: "OAuth provider", id: name });
  return provider;
}

async function tokenRequest(provider: string, config: OAuthProvider, form: Record<string, string>) {
  let response: Response;
  try {
    response = await fetch(config.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ ...form, client_id: config.clientId, client_secret: config.clientSecret }),
    });
  } catch (error) {
    throw new ExternalServiceError({ service: provider, cause: error });
  }
  const json: unknown = await response.json().catch(() => undefined);
  const parsed = tokenResponse.safeParse(json);
  if (!response.ok || !parsed.success) {
    throw new ExternalServiceError({ service: provider, message: `Token endpoint of "${provider}" refused the request` });
  }
  return parsed.data;
}

/** `GET /oauth/:provider/start`: stores a single-use state with PKCE and returns the provider URL to redirect to. */
export async function startOAuth(
  store: OAuthStore,
  providers: Record<string, OAuthProvider>,
  provider: string,
  headers: Record<string, unknown>,
): Promise<{ location: string }> {
  const config = providerOf(providers, provider);
  const userId = userIdFrom(headers);
  const created = await store.createState({ userId, provider, scopes: config.scopes, redirectUri: config.redirectUri, pkce: true });
  const url = new URL(config.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scopes.join(" "),
    state: created.state,
    code_challenge: created.codeChallenge ?? "",
    code_challenge_method: "S256",
  }).toString();
  return { location: url.toString() };
}

/** `GET /oauth/:provider/callback`: consumes the state once, exchanges the code with its PKCE verifier, stores the tokens. */
export async function finishOAuth(
  store: OAuthStore,
  providers: Record<string, OAuthProvider>,
  provider: string,
  query: unknown,
): Promise<{ provider: string; connected: true; scopes: string[] }> {
  const config = providerOf(providers, provider);
  const { code, state } = parseRequest(callbackQuery, query, "query");
  const consumed = await store.consumeState(state, { provider });
  const tokens = await tokenRequest(provider, config, {
    grant_type: "authorization_code",
    code,
    redirect_uri: config.redirectUri,
    ...(consumed.codeVerifier ? { code_verifier: consumed.codeVerifier } : {}),
  });
  const saved = await store.saveTokens({
    userId: consumed.userId,
    provider,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? null,
    ...(tokens.expires_in === undefined ? {} : { expiresIn: tokens.expires_in }),
    scopes: tokens.scope ?? consumed.scopes,
    ...(tokens.token_type === undefined ? {} : { tokenType: tokens.token_type }),
  });
  return { provider, connected: true, scopes: saved.scopes };
}

/** `GET /connections`: the caller's connected providers, never their tokens (which are not even read). */
export async function listConnections(store: OAuthStore, headers: Record<string, unknown>) {
  const connections = await store.listConnections(userIdFrom(headers));
  return {
    connections: connections.map((c) => ({ provider: c.provider, status: c.status, scopes: c.scopes, expiresAt: c.expiresAt })),
  };
}

/**
 * `POST /connections/:provider/refresh`: gets a usable access token, refreshing it through the provider when it is
 * about to expire (once, even under concurrency). Answers whether it refreshed, never the token.
 */
export async function useConnection(
  store: OAuthStore,
  providers: Record<string, OAuthProvider>,
  provider: string,
  headers: Record<string, unknown>,
): Promise<{ provider: string; refreshed: boolean; status: string }> {
  const config = providerOf(providers, provider);
  let refreshed = false;
  const tokens = await store.getValidAccessToken(userIdFrom(headers), provider, {
    refresh: async (refreshToken): Promise<RefreshedTokens> => {
      refreshed = true;
      const answer = await tokenRequest(provider, config, { grant_type: "refresh_token", refresh_token: refreshToken });
      return {
        accessToken: answer.access_token,
        refreshToken: answer.refresh_token ?? null,
        ...(answer.expires_in === undefined ? {} : { expiresIn: answer.expires_in }),
      };
    },
  });
  return { provider, refreshed, status: tokens.status };
}
