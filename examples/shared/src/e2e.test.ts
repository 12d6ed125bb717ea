import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "./host.js";
import { hosts } from "./hosts.js";
import { comparable, runStep, scenario } from "./scenario.js";
import { createServices, type ExampleServices } from "./services.js";

const names = Object.keys(hosts) as (keyof typeof hosts)[];

describe("the example API answers the same on Express, Fastify and Hono", () => {
  const running: RunningHost[] = [];
  const services: ExampleServices[] = [];

  beforeAll(async () => {
    for (const name of names) {
      const s = await createServices();
      services.push(s);
      running.push(await hosts[name](s));
    }
  });
  afterAll(async () => {
    await Promise.all(running.map((host) => host.close()));
    await Promise.all(services.map((s) => s.close()));
  });

  it.each(scenario.map((step, index) => [index + 1, step.name, step] as const))("step %i: %s", async (_i, _name, step) => {
    const results = await Promise.all(running.map((host) => runStep(host.url, step)));
    for (const [index, result] of results.entries()) {
      expect(result.status, names[index]).toBe(step.expectStatus);
      if (step.expectCode) expect((result.json as { error_code?: string }).error_code, names[index]).toBe(step.expectCode);
    }
    const [first, ...others] = results.map((result) => comparable(result.json));
    for (const [index, other] of others.entries()) expect(other, names[index + 1]).toEqual(first);
  });
});
