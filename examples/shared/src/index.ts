export { createServices, type ExampleServices, type ServicesOptions } from "./services.js";
export { health } from "./routes.js";
export type { RunningHost, StartHost } from "./host.js";
export { comparable, runStep, scenario, type ScenarioStep, type StepResult } from "./scenario.js";
