import { AbilityBuilder, createMongoAbility, subject } from "@casl/ability";
import { createGovernance, effectiveMaturity, maturityRank, memoryAgentRegistry, requiredMaturity } from "@atom/governance";
import { newEnforcer, newModelFromString } from "casbin";
import { bench, describe } from "vitest";

// One policy, four ways: an agent may perform an action when its maturity rank is at least the action's required
// rank. The agent is SUPERVISED (rank 2); the action is HIGH complexity (requires SUPERVISED), so every answer is
// "allow". @atom/governance answers from its cached agent lookup, as it does on every request after the first: one
// map lookup returning a settled promise (cached entries expire by timer, so no clock is read per check).

const governance = createGovernance({
  registry: memoryAgentRegistry([{ id: "agent-1", status: "SUPERVISED", confidence: 0.8 }]),
  cacheTtlMs: 3_600_000,
});
await governance.check({ agentId: "agent-1", complexity: 3 });

const { can, build } = new AbilityBuilder(createMongoAbility);
can("perform", "Action", { requiredRank: { $lte: 2 } });
const ability = build();

const enforcer = await newEnforcer(
  newModelFromString(`
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = r.sub.rank >= r.obj.required && r.act == "perform"
`),
);
const casbinAgent = { rank: 2 };
const casbinAction = { required: 2 };

let allowed = 0;

describe("one agent maturity decision (allow)", () => {
  bench("@atom/governance check (cached agent, async, validated input)", async () => {
    if ((await governance.check({ agentId: "agent-1", complexity: 3 })).outcome === "allow") allowed += 1;
  });

  bench("@atom/governance check by action name (table lookup, as the host helpers call it)", async () => {
    if ((await governance.check({ agentId: "agent-1", action: "send_email", feature: "email" })).outcome === "allow") allowed += 1;
  });

  bench("@casl/ability can (prebuilt ability)", () => {
    if (ability.can("perform", subject("Action", { requiredRank: 2 }))) allowed += 1;
  });

  bench("casbin enforce (ABAC matcher)", async () => {
    if (await enforcer.enforce(casbinAgent, casbinAction, "perform")) allowed += 1;
  });

  bench("async no-op (the harness's floor for the async contenders)", async () => {
    allowed += 1;
  });

  bench("hand-written rank comparison (the floor)", () => {
    if (maturityRank(effectiveMaturity("SUPERVISED", 0.8)) >= maturityRank(requiredMaturity(3))) allowed += 1;
  });
});

export { allowed };
