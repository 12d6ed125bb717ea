import { describe, expect, it } from "vitest";
import { createLedger, memoryLedger } from "./index.js";
import { runLedgerStorageConformance } from "./testing.js";

runLedgerStorageConformance({ name: "memory", create: () => memoryLedger() });

describe("memory ledger storage", () => {
  it("refuses a caller client: there is no database transaction to join", async () => {
    const ledger = createLedger({ storage: memoryLedger() });
    await expect(ledger.trialBalance({ client: {} })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: expect.objectContaining({ field: "client" }),
    });
  });
});
