import { startLocalCrm } from "./crm.js";
import { hosts } from "./hosts.js";
import { startLocalProvider } from "./provider.js";
import { runStep, scenario, type ScenarioVars } from "./scenario.js";
import { createServices } from "./services.js";

function parseHost(argv: string[]): keyof typeof hosts {
  const index = argv.indexOf("--host");
  const name = index >= 0 ? argv[index + 1] : "hono";
  if (name !== "express" && name !== "fastify" && name !== "hono") {
    throw new Error(`--host must be express, fastify or hono (got ${String(name)})`);
  }
  return name;
}

function summarize(json: unknown, show?: (json: unknown) => Record<string, unknown>): string {
  if (show) return JSON.stringify(show(json));
  if (json && typeof json === "object" && "error_code" in json) {
    const error = json as { error_code: string; message: string };
    return `${error.error_code}: ${error.message}`;
  }
  return json && typeof json === "object" ? JSON.stringify(json).slice(0, 160) : "";
}

const hostName = parseHost(process.argv.slice(2));
const provider = await startLocalProvider();
const crm = await startLocalCrm();
const services = await createServices({ providers: { local: provider.config }, crmUrl: crm.url });
const host = await hosts[hostName](services);
console.log(`Atom SDK demo: ${hostName} on ${host.url}, database ${services.database}, OAuth provider and CRM on 127.0.0.1\n`);
let failures = 0;
const vars: ScenarioVars = {};
try {
  for (const [index, step] of scenario.entries()) {
    const result = await runStep(host.url, step, vars);
    const code = (result.json as { error_code?: string } | null)?.error_code;
    const ok = result.status === step.expectStatus && (step.expectCode === undefined || code === step.expectCode);
    if (!ok) failures++;
    const path = typeof step.path === "function" ? step.path(vars) : step.path;
    const shown = step.external ? new URL(path).pathname : path.split("?")[0];
    console.log(`${String(index + 1).padStart(2)}. ${ok ? "ok " : "BAD"} ${step.name}`);
    console.log(`    ${step.method} ${step.external ? "provider " : ""}${shown} -> ${result.status}  ${summarize(result.json, step.show)}`);
  }
} finally {
  await host.close();
  await services.close();
  await provider.stop();
  await crm.stop();
}
console.log(`\n${scenario.length - failures} of ${scenario.length} steps answered as expected.`);
process.exitCode = failures === 0 ? 0 : 1;
