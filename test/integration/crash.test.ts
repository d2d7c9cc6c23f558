/**
 * Power-cut safety: `meter-gateway run` polls simulated meters and is killed with SIGKILL many times
 * in the middle of its batches. After every kill the database is intact, no committed reading is lost
 * and no energy is charged twice.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { gatewayCli } from "../cli/run-cli.ts";
import { tempDir, waitFor } from "../helpers/index.ts";
import { checkBilling } from "../faults/support/billing-checks.ts";
import { readingCount } from "../faults/support/database.ts";
import { profiles } from "./bus-harness.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startGateway(configFile: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", gatewayCli, "run", "-c", configFile], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  cleanups.push(() => {
    child.kill("SIGKILL");
  });
  return child;
}

describe("SIGKILL in the middle of batches", () => {
  it(
    "loses no committed reading, charges nothing twice and keeps the database intact",
    { timeout: 180_000 },
    async () => {
      const sim = await startSimulator({
        endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
        meters: [1, 2, 3, 4].map((unit) => ({
          unit,
          profile: requireProfile(profiles, "generic-prepaid"),
          powerW: 3000,
          importEnergyWh: 500_000,
        })),
        speed: 60,
      });
      cleanups.push(() => sim.stop());
      const dir = await tempDir("crash-");
      cleanups.push(() => dir.remove());
      const configFile = join(dir.path, "config.yaml");
      writeFileSync(
        configFile,
        `gateway: { id: gw-crash, dataDir: ${join(dir.path, "data")}, logLevel: warn }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 300, interFrameGapMs: 0 }]
meters:
${[1, 2, 3, 4].map((u) => `  - { id: m${u}, bus: tcp, unit: ${u}, profile: generic-prepaid, account: a${u}, pollIntervalMs: 100 }`).join("\n")}
accounts:
${[1, 2, 3, 4].map((u) => `  - { id: a${u}, tariff: flat, balance: "1000.00" }`).join("\n")}
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
`,
      );
      const db = join(dir.path, "data", "gateway.db");
      let seen = 0;
      for (let round = 0; round < 8; round++) {
        const child = startGateway(configFile);
        // Let it commit some batches, then kill it at an arbitrary point of its work.
        await waitFor(
          () => {
            try {
              return readingCount(db) >= seen + 8 + round;
            } catch {
              return false;
            }
          },
          { timeoutMs: 20_000, intervalMs: 20, description: `round ${round} readings` },
        );
        await new Promise((resolve) => setTimeout(resolve, 7 * round));
        const before = readingCount(db);
        child.kill("SIGKILL");
        await new Promise((resolve) => child.once("exit", resolve));
        // Intact file, balances = ledger sums, one charge per reading, charged Wh = register movement.
        const after = checkBilling(db);
        expect(after.failures, `round ${round}`).toEqual([]);
        expect(
          after.facts.readings,
          `round ${round}: readings committed before the kill`,
        ).toBeGreaterThanOrEqual(before);
        seen = after.facts.readings;
      }
      expect(checkBilling(db).facts.chargedWh).toBeGreaterThan(0);
    },
  );
});
