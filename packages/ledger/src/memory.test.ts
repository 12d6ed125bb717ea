import { memoryLedger } from "./index.js";
import { runLedgerStorageConformance } from "./testing.js";

runLedgerStorageConformance({ name: "memory", create: () => memoryLedger() });
