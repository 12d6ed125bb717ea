import { describe, expect, it } from "vitest";
import { createGovernance, memoryAgentRegistry } from "./index.js";

describe("setStatus and invalidation (memory registry)", () => {
  it("pausing through the gate denies the next check at once, despite a long cache TTL", async () => {
    const registry = memoryAgentRegistry([{ id: "a", status: "AUTONOMOUS" }]);
    const governance = createGovernance({ registry, cacheTtlMs: 3_600_000 });
    expect((await governance.check({ agentId: "a", complexity: 4 })).outcome).toBe("allow");
    await governance.setStatus("a", "PAUSED");
    expect(await governance.check({ agentId: "a", complexity: 1 })).toMatchObject({ outcome: "deny", agentMaturity: "PAUSED" });
    await governance.setStatus("a", "SUPERVISED");
    expect((await governance.check({ agentId: "a", complexity: 3 })).outcome).toBe("allow");
  });

  it("another gate on the same registry drops its cached agent when the registry reports the change", async () => {
    const registry = memoryAgentRegistry([{ id: "a", status: "AUTONOMOUS" }]);
    const first = createGovernance({ registry, cacheTtlMs: 3_600_000 });
    const second = createGovernance({ registry, cacheTtlMs: 3_600_000 });
    expect((await second.check({ agentId: "a", complexity: 4 })).outcome).toBe("allow");
    await first.setStatus("a", "STOPPED");
    expect((await second.check({ agentId: "a", complexity: 1 })).outcome).toBe("deny");
    registry.upsert({ id: "a", status: "STUDENT" });
    expect((await second.check({ agentId: "a", complexity: 2 })).outcome).toBe("deny");
    await Promise.all([first.close(), second.close()]);
  });

  it("refuses bad input and unknown agents without writing", async () => {
    const registry = memoryAgentRegistry([{ id: "a", status: "INTERN" }]);
    const governance = createGovernance({ registry });
    await expect(governance.setStatus("a", "BOSS" as never)).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "status" }),
    });
    await expect(governance.setStatus("ghost", "PAUSED")).rejects.toMatchObject({ code: "AGENT_NOT_FOUND" });
    expect((await registry.getAgent("a"))?.status).toBe("INTERN");
  });

  it("a registry without setStatus says so; a failing one is a 503", async () => {
    const readOnly = createGovernance({ registry: { getAgent: async () => null, adjustConfidence: async () => null } });
    await expect(readOnly.setStatus("a", "PAUSED")).rejects.toMatchObject({ code: "GOVERNANCE_REGISTRY_UNSUPPORTED" });
    const failing = createGovernance({
      registry: {
        getAgent: async () => null,
        adjustConfidence: async () => null,
        setStatus: async () => Promise.reject(new Error("db down")),
      },
    });
    await expect(failing.setStatus("a", "PAUSED")).rejects.toMatchObject({ code: "GOVERNANCE_UNAVAILABLE", status: 503 });
  });
});
