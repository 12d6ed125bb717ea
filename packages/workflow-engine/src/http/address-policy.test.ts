import { describe, expect, it } from "vitest";
import { blockedAddressReason } from "./address-policy.js";

describe("blockedAddressReason", () => {
  it.each([
    ["127.0.0.1", "loopback address"],
    ["127.255.0.9", "loopback address"],
    ["0.0.0.0", "unspecified address"],
    ["10.0.0.1", "private address"],
    ["172.16.5.4", "private address"],
    ["172.31.255.255", "private address"],
    ["192.168.1.1", "private address"],
    ["100.64.0.1", "carrier-grade NAT address"],
    ["100.100.100.200", "carrier-grade NAT address"],
    ["169.254.169.254", "cloud metadata address"],
    ["169.254.1.1", "link-local address"],
    ["224.0.0.1", "multicast address"],
    ["255.255.255.255", "reserved address"],
    ["::1", "loopback address"],
    ["[::1]", "loopback address"],
    ["::", "unspecified address"],
    ["::ffff:127.0.0.1", "IPv4-mapped loopback address"],
    ["::ffff:7f00:1", "IPv4-mapped loopback address"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped cloud metadata address"],
    ["64:ff9b::a00:1", "NAT64 private address"],
    ["2002:a00:1::", "6to4 private address"],
    ["fc00::1", "unique-local address"],
    ["fd00:ec2::254", "unique-local address"],
    ["fe80::1%eth0", "link-local address"],
    ["ff02::1", "multicast address"],
    ["2001:db8::1", "documentation address"],
    ["example.com", "not an IP address"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])(
    "allows public %s",
    (address) => {
      expect(blockedAddressReason(address)).toBeUndefined();
    },
  );
});
