import { z } from "zod";
import { CredentialsHostNotAllowedError } from "./errors.js";
import type { NodeServices } from "./types.js";

// A DNS name (with an optional leading `*.`) or an IP literal; no scheme, port, path or bare `*`.
const HOST_PATTERN = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9](?:[a-z0-9-]{0,62}))*$|^\[[0-9a-f:.]{2,45}\]$/;

/**
 * zod schema of the engine's `credentialHosts` option: provider → hosts (case-insensitive; normalized to lowercase).
 * @internal
 */
export const credentialHostsSchema = z.record(
  z.string().min(1).max(200),
  z.array(z.string().max(255).transform((host) => host.toLowerCase()).pipe(z.string().regex(HOST_PATTERN, "must be a host name, `*.` + a host name, or an IP literal"))).max(1000),
);

/** Whether `host` (a URL's lowercase `hostname`) is one of `patterns`: equal, or a subdomain of a `*.` pattern. */
function listed(patterns: readonly string[], host: string): boolean {
  return patterns.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern));
}

/**
 * Refuses to send `provider`'s token to `url` unless the engine lists the URL's host for it. Fails closed: a
 * provider without an entry may send to no host.
 * @throws CredentialsHostNotAllowedError (`CREDENTIALS_HOST_NOT_ALLOWED`)
 * @internal
 */
export function assertCredentialHost(services: NodeServices, provider: string, url: string | URL): void {
  const host = (typeof url === "string" ? new URL(url) : url).hostname;
  const patterns = services.credentialHosts && Object.hasOwn(services.credentialHosts, provider) ? services.credentialHosts[provider] : undefined;
  if (!patterns || !listed(patterns, host)) throw new CredentialsHostNotAllowedError({ provider, host });
}
