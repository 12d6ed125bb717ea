import { connect, createServer, type Socket } from "node:net";

/** A TCP proxy to a test database whose connections can be cut (see {@link proxyTo}). */
export interface DatabaseProxy {
  /** `target` with the proxy's host and port. */
  url: string;
  /** Drops every open connection; new ones are still accepted. */
  cut(): void;
  /** Stops accepting connections and drops the open ones: the database becomes unreachable through the proxy. */
  down(): void;
}

/** Starts a TCP proxy on 127.0.0.1 to the server of `target` (a database URL). */
export async function proxyTo(target: URL): Promise<DatabaseProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: Object.assign(new URL(target.href), { host: `127.0.0.1:${port}` }).href,
    cut,
    down: () => {
      server.close();
      cut();
    },
  };
}
