import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { SsrfBlockedError } from "../errors.js";
import { blockedAddressReason } from "./address-policy.js";

/**
 * Wraps a resolver so that every address a hostname resolves to is vetted before the socket connects. The socket
 * connects to exactly the address returned here, so a second (rebinding) DNS answer can never be used.
 * @internal
 */
export function guardedLookup(isAllowedHost: (host: string) => boolean, base: LookupFunction = dnsLookup): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    base(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      const list: LookupAddress[] = Array.isArray(addresses)
        ? addresses
        : [{ address: addresses as unknown as string, family: 4 }];
      if (list.length === 0) return callback(new SsrfBlockedError({ host: hostname, reason: "no address resolved" }));
      if (!isAllowedHost(hostname)) {
        for (const entry of list) {
          const reason = blockedAddressReason(entry.address);
          if (reason) return callback(new SsrfBlockedError({ host: hostname, address: entry.address, reason }));
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}
