import { CredentialsUnavailableError } from "./errors.js";
import type { NodeServices } from "./types.js";

/**
 * Asks the engine's credentials hook for a token; the token is never put in results, errors or events.
 * @throws CredentialsUnavailableError (`CREDENTIALS_UNAVAILABLE`) when no hook is configured or it fails.
 * @internal
 */
export async function credentialToken(
  services: NodeServices,
  provider: string,
  ctx: { runId: string; agentId?: string },
): Promise<string> {
  if (!services.credentials) throw new CredentialsUnavailableError({ provider });
  try {
    return await services.credentials(provider, ctx.agentId === undefined ? { runId: ctx.runId } : { runId: ctx.runId, agentId: ctx.agentId });
  } catch (error) {
    throw new CredentialsUnavailableError({ provider }, { cause: error });
  }
}
