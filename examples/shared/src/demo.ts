import { hosts } from "./hosts.js";
import { runStep, scenario } from "./scenario.js";
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
  return JSON.stringify(json).slice(0, 120);
}

const hostName = parseHost(process.argv.slice(2));
const services = await createServices();
const host = await hosts[hostName](services);
console.log(`Atom SDK demo: ${hostName} on ${host.url}, database ${services.database}\n`);
let failures = 0;
try {
  for (const [index, step] of scenario.entries()) {
    const result = await runStep(host.url, step);
    const code = (result.json as { error_code?: string } | null)?.error_code;
    const ok = result.status === step.expectStatus && (step.expectCode === undefined || code === step.expectCode);
    if (!ok) failures++;
    console.log(`${String(index + 1).padStart(2)}. ${ok ? "ok " : "BAD"} ${step.name}`);
    console.log(`    ${step.method} ${step.path} -> ${result.status}  ${summarize(result.json, step.show)}`);
  }
} finally {
  await host.close();
  await services.close();
}
console.log(`\n${scenario.length - failures} of ${scenario.length} steps answered as expected.`);
process.exitCode = failures === 0 ? 0 : 1;
