import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCrm, startLocalCrm } from "./crm.js";
import type { RunningHost } from "./host.js";
import { hosts } from "./hosts.js";
import { type LocalProvider, startLocalProvider } from "./provider.js";
import { comparable, runStep, scenario, type ScenarioVars } from "./scenario.js";
import { createServices, type ExampleServices } from "./services.js";

const names = Object.keys(hosts) as (keyof typeof hosts)[];

describe("the example API answers the same on Express, Fastify and Hono", () => {
  const running: RunningHost[] = [];
  const services: ExampleServices[] = [];
  const vars: ScenarioVars[] = names.map(() => ({}));
  let provider: LocalProvider;
  let crm: LocalCrm;

  beforeAll(async () => {
    provider = await startLocalProvider();
    crm = await startLocalCrm();
    for (const name of names) {
      const s = await createServices({ isolate: true, providers: { local: provider.config }, crmUrl: crm.url });
      services.push(s);
      running.push(await hosts[name](s));
    }
  });
  afterAll(async () => {
    await Promise.all(running.map((host) => host.close()));
    await Promise.all(services.map((s) => s.close()));
    await provider.stop();
    await crm.stop();
  });

  it.each(scenario.map((step, index) => [index + 1, step.name, step] as const))("step %i: %s", async (_i, _name, step) => {
    const results = await Promise.all(running.map((host, index) => runStep(host.url, step, vars[index] ?? {})));
    for (const [index, result] of results.entries()) {
      expect(result.status, names[index]).toBe(step.expectStatus);
      if (step.expectCode) expect((result.json as { error_code?: string }).error_code, names[index]).toBe(step.expectCode);
    }
    if (step.external) return;
    const [first, ...others] = results.map(comparable);
    for (const [index, other] of others.entries()) expect(other, names[index + 1]).toEqual(first);
  });
});
