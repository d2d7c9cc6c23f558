/**
 * A meter swapped on site, end to end: `meter-gateway run` polls the simulator over Modbus TCP and talks
 * to a real mosquitto; the simulator's `meter-replaced` fault (control interface) puts another meter at
 * the address. The platform sees anomaly.meter-replaced with both serials and registers, nothing is
 * charged for the jump, /healthz names the replacement until the reference client sends a signed
 * meter.replace.confirm, and the confirmation is published as anomaly.resolved.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { connect, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { startService } from "../helpers/service.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";
import { startMosquitto, waitFor } from "../helpers/index.ts";
import { startInProcess, swapMeter } from "../helpers/simulator.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type EventBody = { type: string; meterId?: string; data: Record<string, unknown> };

describe("a replaced meter, end to end", () => {
  it(
    "is raised on the broker, not charged, shown until a signed meter.replace.confirm",
    { timeout: 90_000 },
    async () => {
      const broker = await startMosquitto();
      cleanups.push(() => broker.stop());
      const sim = await startInProcess({
        buses: [
          {
            name: "site",
            endpoint: { kind: "tcp", port: 0 },
            meters: [
              { units: "1", profile: "sdm120", load: 2000, energyWh: 4_000_000, serialNumber: 31000001 },
            ],
          },
        ],
      });
      cleanups.push(() => sim.stop());
      const events: EventBody[] = [];
      const platform: MqttClient = connect(broker.url);
      cleanups.push(() => {
        platform.end(true);
      });
      platform.on("message", (_topic, payload) => {
        events.push((JSON.parse(payload.toString()) as { body: EventBody }).body);
      });
      await new Promise<void>((resolve) =>
        platform.on("connect", () => platform.subscribe("mg/gw-swap/events", { qos: 1 }, () => resolve())),
      );
      let clientConfig = "";
      const service = await startService({
        config: ({ dataDir, httpPort, dir }) => {
          const keyFile = join(dir, "command.key");
          writeFileSync(keyFile, "swap-test-command-key-0123456789abcdef\n");
          clientConfig = join(dir, "client.yaml");
          writeFileSync(
            clientConfig,
            `url: "${broker.url}"\ngatewayId: gw-swap\ncommandKeyFile: ${keyFile}\n`,
          );
          return `gateway: { id: gw-swap, dataDir: ${dataDir}, httpPort: ${httpPort}, logLevel: warn }
buses: [{ id: site, transport: tcp, host: 127.0.0.1, port: ${sim.buses[0]!.port}, timeoutMs: 500 }]
meters: [{ id: flat-1, bus: site, unit: 1, profile: sdm120, account: a1, pollIntervalMs: 300 }]
accounts: [{ id: a1, tariff: flat, balance: "100.00" }]
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
mqtt: { url: "${broker.url}", commandKeyFile: ${keyFile} }
`;
        },
      });
      cleanups.push(async () => {
        await service.stop();
        await service.dir.remove();
      });
      const charged = () => {
        const db = new Database(service.dbFile, { readonly: true });
        try {
          return db
            .prepare("SELECT coalesce(-sum(amount_e7), 0) FROM ledger WHERE kind = 'charge'")
            .pluck()
            .get() as number;
        } finally {
          db.close();
        }
      };
      await waitFor(() => charged() > 0, { timeoutMs: 20_000, description: "a first charge" });

      // The swap: the meter leaves the bus, another (serial 55555555, register 0) takes its address.
      // A real swap takes minutes: wait until the gateway has asked the empty address and got no reply.
      // A poll that read the old meter before that can still be in flight (its retry is answered by
      // the new meter); the gateway then reads it over, never pairing the old register with the new
      // serial (test/integration/meter-swap-mid-poll.test.ts).
      await swapMeter(sim.api, 1, { serialNumber: 55555555, energyWh: 0 }, () =>
        waitFor(
          async () => {
            const status = (await service.status()) as {
              meters: Array<{ id: string; lastError: string | null }>;
            };
            return status.meters.find((m) => m.id === "flat-1")?.lastError?.includes("no reply") === true;
          },
          { timeoutMs: 20_000, description: "a poll of the unplugged meter going unanswered" },
        ),
      );

      const raised = await waitFor(() => events.find((e) => e.type === "anomaly.meter-replaced"), {
        timeoutMs: 20_000,
        description: "anomaly.meter-replaced on the broker",
      });
      expect(raised).toMatchObject({
        meterId: "flat-1",
        data: { oldSerial: 31000001, newSerial: 55555555, confirmed: false },
      });
      expect(raised.data["oldEnergyWh"]).toBeGreaterThanOrEqual(4_000_000);
      expect(raised.data["newEnergyWh"]).toBeLessThan(1000);
      expect(events.filter((e) => e.type.startsWith("anomaly.")).map((e) => e.type)).toEqual([
        "anomaly.meter-replaced",
      ]);
      expect((await service.health()).reasons).toContain(
        "meter flat-1: replaced (serial 31000001 -> 55555555) and not confirmed: billed from the new meter's register; the jump is not charged; confirm with meter.replace.confirm",
      );
      // Billing goes on from the new register: a few Wh at 2 kW, never the 4000 kWh between the registers.
      const before = charged();
      await waitFor(() => charged() > before, {
        timeoutMs: 20_000,
        description: "a charge on the new meter",
      });
      expect(charged() - before).toBeLessThan(100 * 10_000);

      const send = (serial: string) =>
        runCli(
          gatewayCli,
          [
            "command",
            "meter.replace.confirm",
            "--config",
            clientConfig,
            "--meter",
            "flat-1",
            "--serial",
            serial,
            "--reason",
            "swapped, ticket 42",
            "--json",
          ],
          { timeoutMs: 30_000 },
        );
      const wrong = await send("12345678");
      expect(JSON.parse(wrong.stdout)).toMatchObject({ status: "error", code: "SERIAL_MISMATCH" });
      const confirmed = await send("55555555");
      expect(confirmed.code, confirmed.stderr).toBe(0);
      expect(JSON.parse(confirmed.stdout)).toMatchObject({
        status: "ok",
        result: { meter: "flat-1", oldSerial: 31000001, newSerial: 55555555 },
      });
      await waitFor(() => events.find((e) => e.type === "anomaly.resolved"), {
        timeoutMs: 10_000,
        description: "anomaly.resolved on the broker",
      });
      expect((await service.health()).reasons.filter((r) => r.includes("replaced"))).toEqual([]);
    },
  );
});
