import { Socket } from "node:net";
import { afterAll, beforeAll } from "vitest";

/**
 * Fails loudly if a test ever opens a socket to anything but loopback or a `.test` name (which only the injected
 * resolver answers, and the guard vets). Registered per test file.
 * @internal
 */
export function installTripwire(): { violations: string[] } {
  const state = { violations: [] as string[] };
  const original = Socket.prototype.connect;
  beforeAll(() => {
    Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
      // net.connect() hands Socket#connect its normalized arguments as one array.
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const options = first as { host?: string } | number;
      const host = typeof options === "object" ? (options.host ?? "") : String(args[1] ?? "");
      if (host !== "127.0.0.1" && host !== "localhost" && !host.endsWith(".test")) {
        state.violations.push(host);
        throw new Error(`tripwire: test tried to connect to ${host}`);
      }
      return (original as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof Socket.prototype.connect;
  });
  afterAll(() => {
    Socket.prototype.connect = original;
  });
  return state;
}
