import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A stand-in CRM on 127.0.0.1 that the example workflow calls over real HTTP. */
export interface LocalCrm {
  url: string;
  stop(): Promise<void>;
}

const customers: Record<string, { id: string; name: string }> = {
  "c-1": { id: "c-1", name: "Ada Lovelace" },
  "c-2": { id: "c-2", name: "Grace Hopper" },
};

/** Starts the CRM: `GET /customers/:id` answers the customer or 404. */
export async function startLocalCrm(): Promise<LocalCrm> {
  const server: Server = createServer((req, res) => {
    const id = /^\/customers\/([^/]+)$/.exec(req.url ?? "")?.[1];
    const customer = id === undefined ? undefined : customers[decodeURIComponent(id)];
    res.writeHead(customer ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(customer ?? { error: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
