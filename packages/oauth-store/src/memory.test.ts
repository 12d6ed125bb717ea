import { memoryAdapter } from "./index.js";
import { runOAuthStoreConformance } from "./testing/index.js";

runOAuthStoreConformance({ name: "memory", create: () => memoryAdapter() });
