import { describe, expect, it } from "vitest";
import { createWorkflowEngine, type WorkflowDefinition } from "../index.js";

const one = (config: Record<string, unknown>): WorkflowDefinition => ({ id: "h", version: 1, nodes: [{ id: "call", type: "http_request", config }], edges: [] });

describe("http_request refuses an Authorization header together with auth", () => {
  const engine = createWorkflowEngine({ credentials: async () => "token" });

  it.each(["Authorization", "authorization", "AUTHORIZATION"])("validate() names headers.%s", (name) => {
    const result = engine.validate(one({ url: "https://api.example.com", headers: { [name]: "Bearer x" }, auth: { provider: "crm" } }));
    expect(result.problems).toEqual([
      { nodeId: "call", field: `nodes.0.config.headers.${name}`, message: "set either auth or an Authorization header, not both" },
    ]);
  });

  it("run() refuses it with WORKFLOW_INVALID before anything is sent", async () => {
    const def = one({ url: "https://api.example.com", headers: { Authorization: "Bearer x" }, auth: { provider: "crm" } });
    await expect(engine.run(def)).rejects.toMatchObject({
      code: "WORKFLOW_INVALID",
      details: { problems: [expect.objectContaining({ field: "nodes.0.config.headers.Authorization" })] },
    });
  });

  it("a templated Authorization header is refused once resolved: the node fails and sends nothing", async () => {
    const def = one({ url: "https://api.example.com", headers: { Authorization: "{{ $input.token }}" }, auth: { provider: "crm" } });
    const result = await engine.run(def, { token: "Bearer x" });
    expect(result.nodes.call).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { code: "VALIDATION_ERROR", details: { field: "config.headers.Authorization" } },
    });
    expect(JSON.stringify(result)).not.toContain("Bearer x");
  });

  it("an Authorization header alone, or auth alone, is fine", () => {
    expect(engine.validate(one({ url: "https://api.example.com", headers: { Authorization: "Bearer x" } })).ok).toBe(true);
    expect(engine.validate(one({ url: "https://api.example.com", auth: { provider: "crm" } })).ok).toBe(true);
  });
});
