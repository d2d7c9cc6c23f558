/**
 * A small meter room for the fault scenarios: simulated meters on one Modbus TCP endpoint, a real
 * mosquitto, a platform client subscribed to the gateway's topics, and the config `meter-gateway run`
 * needs to poll and bill them. Scenarios start and restart the real service on the same data dir with
 * {@link Site.start}.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { testGatewayId, testKeyText } from "../uplink/fixtures.ts";
import { requireProfile } from "../../../protocols/profiles/load.ts";
import { startSimulator, type RunningSimulator } from "../../../simulator/start.ts";
import { startMosquitto, tempDir, type MosquittoBroker, type TempDir } from "../index.ts";
import { profiles } from "../bus-harness.ts";
import { Platform } from "../platform.ts";
import { startService, type ServiceUnderTest } from "../service.ts";

/** Shape of the room; ids are M-1..M-n on accounts A-1..A-n (the ids the uplink fixtures sign for). */
export interface SiteOptions {
  /** Simulated meters, 1..20. */
  readonly meters: number;
  /** Poll interval of every meter, ms (>= 50). */
  readonly pollIntervalMs: number;
  /** Constant load of each meter, W (0: registers never move, nothing is charged). */
  readonly powerW: number;
  /** Simulator time acceleration; power x speed must stay below maxPowerW (41.4 kW). Default 10. */
  readonly speed?: number;
  /** Opening balance of each account, yuan; default "1000.00". */
  readonly balance?: string;
  /** The broker keeps sessions and queued messages across its restarts (mosquitto persistence). */
  readonly persistentBroker?: boolean;
  /** Sign everything published with an uplink key (`mqtt.uplinkKey`, id `up-1`, file `uplink-up-1.key`). */
  readonly uplinkKey?: boolean;
}

/** Flat tariff of every account: 1.0000 yuan/kWh, so 1 Wh costs 10 000 e7. */
export const PRICE_E7_PER_WH = 10_000;

/** The running parts of a room; {@link Site.close} stops them all. */
export interface Site {
  readonly broker: MosquittoBroker;
  readonly sim: RunningSimulator;
  readonly platform: Platform;
  /** Data and config directory shared by every start of the service. */
  readonly dir: TempDir;
  readonly meterIds: readonly string[];
  readonly accountIds: readonly string[];
  /** The database file of the service. */
  readonly dbFile: string;
  /** Starts `meter-gateway run` on this room's data dir (a restart when one ran before); close() kills it. */
  start(options?: { waitReady?: boolean }): Promise<ServiceUnderTest>;
  /**
   * Replaces the key settings of the config (`commandKeyFile: ...` at first; YAML flow members of
   * `mqtt`, e.g. `commandKeys: [...], uplinkKey: {...}`), rewrites the running service's config file and
   * sends it SIGHUP (docs/mqtt.md 6.2.1); later starts use them too.
   */
  rekey(service: ServiceUnderTest, keys: string): void;
  close(): Promise<void>;
}

function configText(
  options: SiteOptions,
  parts: { dataDir: string; httpPort: number },
  extra: {
    simPort: number;
    brokerUrl: string;
    keys: string;
  },
): string {
  const units = Array.from({ length: options.meters }, (_, i) => i + 1);
  return `gateway: { id: ${testGatewayId}, dataDir: ${parts.dataDir}, logLevel: warn, httpPort: ${parts.httpPort} }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${extra.simPort}, timeoutMs: 500, interFrameGapMs: 0 }]
meters:
${units.map((u) => `  - { id: M-${u}, bus: tcp, unit: ${u}, profile: generic-prepaid, account: A-${u}, pollIntervalMs: ${options.pollIntervalMs} }`).join("\n")}
accounts:
${units.map((u) => `  - { id: A-${u}, tariff: flat, balance: "${options.balance ?? "1000.00"}", hoardingLimit: "100000000.00" }`).join("\n")}
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
mqtt: { url: "${extra.brokerUrl}", ${extra.keys}, reconnectMinMs: 100, reconnectMaxMs: 1000, pollIntervalMs: 50, keepaliveSec: 5, statusIntervalSec: 5 }
`;
}

/** Starts the broker, the simulated meters and the platform client (not the service). */
export async function startSite(options: SiteOptions): Promise<Site> {
  const units = Array.from({ length: options.meters }, (_, i) => i + 1);
  const broker = await startMosquitto({ persistence: options.persistentBroker === true });
  const sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: units.map((unit) => ({
      unit,
      profile: requireProfile(profiles, "generic-prepaid"),
      powerW: options.powerW,
      importEnergyWh: 500_000 + unit * 1000,
    })),
    speed: options.speed ?? 10,
  });
  const platform = await Platform.connect(broker.url);
  const dir = await tempDir("fault-site-");
  const keyFile = join(dir.path, "command.key");
  writeFileSync(keyFile, `${testKeyText}\n`);
  let keys = `commandKeyFile: ${keyFile}`;
  if (options.uplinkKey === true) {
    writeFileSync(join(dir.path, "uplink-up-1.key"), `${"u1".repeat(20)}\n`);
    keys += `, uplinkKey: { id: up-1, file: ${join(dir.path, "uplink-up-1.key")} }`;
  }
  const services: ServiceUnderTest[] = [];
  const extra = () => ({ simPort: sim.port!, brokerUrl: broker.url, keys });
  return {
    broker,
    sim,
    platform,
    dir,
    meterIds: units.map((u) => `M-${u}`),
    accountIds: units.map((u) => `A-${u}`),
    dbFile: join(dir.path, "data", "gateway.db"),
    start: async (startOptions = {}) => {
      const service = await startService({
        dir,
        config: (parts) => configText(options, parts, extra()),
        ...(startOptions.waitReady === undefined ? {} : { waitReady: startOptions.waitReady }),
      });
      services.push(service);
      return service;
    },
    rekey: (service, next) => {
      keys = next;
      const parts = { dataDir: service.dataDir, httpPort: service.httpPort };
      writeFileSync(service.configFile, configText(options, parts, extra()));
      service.process.child.kill("SIGHUP");
    },
    close: async () => {
      for (const service of services) await service.kill();
      await platform.close();
      await sim.stop();
      await broker.stop();
      await dir.remove();
    },
  };
}
