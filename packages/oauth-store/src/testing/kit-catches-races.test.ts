import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

interface JsonReport {
  testResults: { assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[];
}

const fixtures = join(import.meta.dirname, "fixtures");
const vitestBin = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

/** Runs the published kit in a child vitest against the adapters broken on purpose; returns the failed titles per adapter. */
async function failuresPerAdapter(): Promise<Record<string, string[]>> {
  const output = join(tmpdir(), `oauth-kit-${randomUUID()}.json`);
  try {
    await promisify(execFile)(
      process.execPath,
      [vitestBin, "run", "--config", join(fixtures, "vitest.config.ts"), "--reporter=json", `--outputFile=${output}`],
      { cwd: fixtures, timeout: 180_000 },
    ).catch((error: unknown) => {
      // vitest exits 1 when tests fail, which is the point; any other exit is a broken run.
      if ((error as { code?: unknown }).code !== 1) throw error;
    });
    const report = JSON.parse(await readFile(output, "utf8")) as JsonReport;
    const failed: Record<string, string[]> = {};
    for (const test of report.testResults.flatMap((file) => file.assertionResults)) {
      const adapter = (test.ancestorTitles[0] ?? "").replace("OAuthStoreAdapter conformance: ", "");
      failed[adapter] ??= [];
      if (test.status === "failed") failed[adapter].push(test.title);
    }
    return failed;
  } finally {
    await rm(output, { force: true });
  }
}

it("fails each broken adapter on exactly the race cases it gets wrong, and passes the rest of the kit", async () => {
  expect(await failuresPerAdapter()).toEqual({
    "saves refreshed tokens without the lease": [
      "a revoke during a refresh wins: the refreshed tokens are not written back",
      "a delete during a refresh wins: the row is not recreated",
      "a saveTokens during a refresh wins: the refreshed tokens are not written back",
      "a refresher whose lock expired cannot overwrite the tokens of the one that took over",
      "writes that end a refresh (saveRefreshedTokens, markRefreshFailed) hold only while the lease does",
    ],
    "marks a failed refresh without the lease": [
      "a revoke during a failing refresh wins: the row stays revoked, not refresh_failed",
      "a saveTokens during a failing refresh wins: the new tokens stay active, not refresh_failed",
      "a refresher whose lock expired cannot mark the fresh tokens of the one that took over refresh_failed",
      "writes that end a refresh (saveRefreshedTokens, markRefreshFailed) hold only while the lease does",
    ],
    "replaces secrets without the version": [
      "replaceSecrets applies only at the version it is given, and keeps the version and the refresh lock",
      "a reencryptAll racing a saveTokens never writes the old tokens back over the new ones",
    ],
  });
}, 200_000);
