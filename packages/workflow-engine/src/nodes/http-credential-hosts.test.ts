import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../test/http-server.js";
import { createHttpClient } from "../http.js";
import { createWorkflowEngine, type WorkflowDefinition } from "../index.js";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
});
const http = createHttpClient({ allowHosts: ["127.0.0.1", "localhost"] });
afterAll(async () => {
  await http.close();
  await server.close();
});

const call = (url: string, provider = "crm"): WorkflowDefinition => ({
  id: "c",
  version: 1,
  nodes: [{ id: "call", type: "http_request", config: { url, auth: { provider } } }],
  edges: [],
});

describe("http_request auth: a provider's token goes only to the hosts listed for it", () => {
  const asked: string[] = [];
  const credentials = async (provider: string) => {
    asked.push(provider);
    return "s3cr3t-token";
  };

  it("refuses every host when no credentialHosts are configured (fails closed), before asking for the token", async () => {
    const engine = createWorkflowEngine({ http, credentials });
    asked.length = 0;
    const before = server.seen.length;
    const result = await engine.run(call(`${server.url}/x`));
    expect(result.nodes.call?.error).toMatchObject({ code: "CREDENTIALS_HOST_NOT_ALLOWED", details: { provider: "crm", host: "127.0.0.1" } });
    expect(asked).toEqual([]);
    expect(server.seen.length).toBe(before);
  });

  it("sends the token to a listed host, and refuses the same host for another provider or a templated URL elsewhere", async () => {
    const engine = createWorkflowEngine({ http, credentials, credentialHosts: { crm: ["127.0.0.1"], billing: ["*.billing.example"] } });
    const ok = await engine.run(call(`${server.url}/ok`));
    expect(ok.status).toBe("success");
    expect(server.seen.at(-1)?.headers.authorization).toBe("Bearer s3cr3t-token");

    const other = await engine.run(call(`${server.url}/x`, "billing"));
    expect(other.nodes.call?.error).toMatchObject({ code: "CREDENTIALS_HOST_NOT_ALLOWED", details: { provider: "billing" } });

    const templated: WorkflowDefinition = { ...call("{{ $input.target }}"), id: "t" };
    const moved = await engine.run(templated, { target: server.url.replace("127.0.0.1", "localhost") });
    expect(moved.nodes.call?.error).toMatchObject({ code: "CREDENTIALS_HOST_NOT_ALLOWED", details: { provider: "crm", host: "localhost" } });
    expect(JSON.stringify(moved)).not.toContain("s3cr3t-token");
  });

  it("matches `*.` patterns on subdomains only, case-insensitively", async () => {
    const engine = createWorkflowEngine({ http, credentials, credentialHosts: { crm: ["*.LOCALHOST"] } });
    const apex = await engine.run(call(server.url.replace("127.0.0.1", "localhost")));
    expect(apex.nodes.call?.error).toMatchObject({ code: "CREDENTIALS_HOST_NOT_ALLOWED" });
    const exact = createWorkflowEngine({ http, credentials, credentialHosts: { crm: ["LocalHost"] } });
    expect((await exact.run(call(server.url.replace("127.0.0.1", "localhost")))).status).toBe("success");
  });

  it.each([
    [{ crm: ["https://crm.example.com"] }],
    [{ crm: ["crm.example.com/path"] }],
    [{ crm: ["*"] }],
    [{ crm: "crm.example.com" }],
    [{ "": ["crm.example.com"] }],
  ])("refuses malformed credentialHosts %j", (credentialHosts) => {
    expect(() => createWorkflowEngine({ credentialHosts: credentialHosts as never })).toThrow(
      expect.objectContaining({ code: "VALIDATION_ERROR", details: expect.objectContaining({ field: expect.stringMatching(/^credentialHosts/) }) }),
    );
  });
});
