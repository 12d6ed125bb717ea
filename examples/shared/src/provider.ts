import { OAuth2Server } from "oauth2-mock-server";
import type { OAuthProvider } from "./oauth.js";

/** A real OAuth 2 authorization server on 127.0.0.1 (oauth2-mock-server): authorization code + PKCE + refresh. */
export interface LocalProvider {
  config: OAuthProvider;
  stop(): Promise<void>;
}

/** The scopes the local provider grants. */
export const GRANTED_SCOPES = ["profile", "email"];

/**
 * Starts the local provider. Its access tokens live 30 seconds, inside the store's 60-second expiry skew, so the
 * first use of a connection refreshes it through the provider's token endpoint.
 */
export async function startLocalProvider(): Promise<LocalProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(0, "127.0.0.1");
  server.service.on("beforeResponse", (response: { body: Record<string, unknown> }) => {
    response.body.expires_in = 30;
    response.body.scope = GRANTED_SCOPES.join(" ");
  });
  const issuer = server.issuer.url ?? "";
  return {
    config: {
      authorizeUrl: `${issuer}/authorize`,
      tokenUrl: `${issuer}/token`,
      clientId: "atom-example",
      clientSecret: "example-secret",
      redirectUri: "http://localhost:3000/oauth/local/callback",
      scopes: GRANTED_SCOPES,
    },
    stop: () => server.stop(),
  };
}
