import { isIP } from "node:net";

/** IPv4 ranges refused by the SSRF guard, with the reason reported. */
const IPV4_BLOCKED: readonly [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified address"],
  ["10.0.0.0", 8, "private address"],
  ["100.64.0.0", 10, "carrier-grade NAT address"],
  ["127.0.0.0", 8, "loopback address"],
  ["169.254.169.254", 32, "cloud metadata address"],
  ["169.254.0.0", 16, "link-local address"],
  ["172.16.0.0", 12, "private address"],
  ["192.0.0.0", 24, "IETF protocol address"],
  ["192.0.2.0", 24, "documentation address"],
  ["192.168.0.0", 16, "private address"],
  ["198.18.0.0", 15, "benchmarking address"],
  ["198.51.100.0", 24, "documentation address"],
  ["203.0.113.0", 24, "documentation address"],
  ["224.0.0.0", 4, "multicast address"],
  ["240.0.0.0", 4, "reserved address"],
];

function ipv4ToInt(address: string): number {
  return address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

const IPV4_RULES = IPV4_BLOCKED.map(([base, bits, reason]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { network: (ipv4ToInt(base) & mask) >>> 0, mask, reason };
});

function ipv4Reason(address: string): string | undefined {
  const value = ipv4ToInt(address);
  return IPV4_RULES.find((rule) => ((value & rule.mask) >>> 0) === rule.network)?.reason;
}

/** Expands an IPv6 literal into its eight 16-bit groups (embedded dotted IPv4 included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().split("%")[0] as string;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4ToInt(dotted[1] as string);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((group) => Number.parseInt(group, 16));
}

function embeddedIpv4(high: number, low: number): string {
  return [high >>> 8, high & 0xff, low >>> 8, low & 0xff].join(".");
}

function ipv6Reason(address: string): string | undefined {
  const g = ipv6Groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 0) return "unspecified address";
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 1) return "loopback address";
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) {
    const inner = ipv4Reason(embeddedIpv4(g6, g7));
    return inner ? `IPv4-mapped ${inner}` : g5 === 0 ? "IPv4-compatible address" : undefined;
  }
  if (g0 === 0x64 && g1 === 0xff9b) {
    const inner = ipv4Reason(embeddedIpv4(g6, g7));
    return inner ? `NAT64 ${inner}` : undefined;
  }
  if (g0 === 0x2002) {
    const inner = ipv4Reason(embeddedIpv4(g1, g2));
    return inner ? `6to4 ${inner}` : undefined;
  }
  if ((g0 & 0xfe00) === 0xfc00) return "unique-local address";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local address";
  if ((g0 & 0xffc0) === 0xfec0) return "site-local address";
  if ((g0 & 0xff00) === 0xff00) return "multicast address";
  if (g0 === 0x2001 && g1 === 0x0db8) return "documentation address";
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return "discard-only address";
  return undefined;
}

/**
 * Why the SSRF guard refuses `address` (an IPv4 or IPv6 literal), or `undefined` when it is public.
 * @example `blockedAddressReason("169.254.169.254") // "cloud metadata address"`
 */
export function blockedAddressReason(address: string): string | undefined {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return ipv4Reason(bare);
  if (family === 6) return ipv6Reason(bare);
  return "not an IP address";
}
