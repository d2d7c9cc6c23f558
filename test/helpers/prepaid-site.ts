/**
 * A prepaid site on a real pty pair, on either meter protocol: the simulator serves two meters (a
 * household and a hospital) on one end, the real gateway (config, bus, prepaid engine, SQLite) polls
 * them on the other, both on one accelerated clock. The relay commands are read back from the
 * simulator's write log, i.e. what reached the meter: Modbus coil writes (0 = open, 1 = close) or
 * DL/T 645 0x1C requests (N1 = 1A trip, 1C direct close; DL/T 645-2007 table 4.1.9).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../../gateway/config/index.ts";
import { Gateway } from "../../gateway/service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import type { WriteLogEntry } from "../../simulator/core/sim-bus.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { freePort } from "./ports.ts";
import { createPtyPair } from "./pty.ts";
import { tempDir } from "./temp-dir.ts";
import { testKeyText } from "./uplink/fixtures.ts";

export type MeterProtocol = "modbus" | "dlt645";

const profiles = loadProfiles();
const dltPassword = "123456";
/** DL/T 645 0x1C N1 commands (DL/T 645-2007 table 4.1.9): trip, direct close. */
const dltTrip = 0x1a;
const dltDirectClose = 0x1c;
/**
 * What a DL/T 645 meter receives that does not touch its supply: broadcast time (function code 0x08)
 * and the 0x1C alarm on / off (2A / 2B), which the gateway sends to every meter in credit alarm, the
 * protected ones included (docs/dlt645-control.md).
 */
const dltNotSupply = (w: WriteLogEntry) =>
  w.fc === 0x08 || (w.fc === 0x1c && (w.value === 0x2a || w.value === 0x2b));

export interface PrepaidSite {
  sim: RunningSimulator;
  gateway: Gateway;
  clock: AcceleratedClock;
  /** GET of the gateway's local HTTP API (`/status`, `/healthz`): status code and JSON body. */
  http(path: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The gateway's audit events of one type. */
  events(type: string): ReturnType<Gateway["store"]["events"]["list"]>;
  /**
   * What reached a meter that could switch its supply: every Modbus write; on DL/T 645 every request
   * except time broadcasts and alarm on / off.
   */
  writesTo(unit: number): WriteLogEntry[];
  /** The write that opened the relay of `unit`, once it reached the meter. */
  cutOf(unit: number): WriteLogEntry | undefined;
  /** The write that closed the relay of `unit`, once it reached the meter. */
  restoreOf(unit: number): WriteLogEntry | undefined;
}

/** Optional parts of a site. */
export interface PrepaidSiteOptions {
  /**
   * An MQTT uplink to this broker, with the test command key (test/helpers/uplink/fixtures.ts). The
   * uplink runs on real time (command validity, reconnects); billing and the meters on the accelerated clock.
   */
  readonly brokerUrl?: string;
  /** DL/T 645 only: three-phase meters (profile dlt645-three-phase, per-phase currents); default single. */
  readonly dltModel?: "single-phase" | "three-phase";
}

/**
 * Builds the site; `cleanups` receives what stops it (in order of start).
 * Accounts: a1 (flat-1, unit 1) 0.30 yuan, alarms 0.20 / 0.10; h1 (hospital, unit 2) 0.10, protected.
 * Both meters draw 2000 W at 1 yuan/kWh.
 */
export async function prepaidSite(
  protocol: MeterProtocol,
  policy: string,
  startWallMs: number,
  cleanups: Array<() => Promise<void>>,
  options: PrepaidSiteOptions = {},
): Promise<PrepaidSite> {
  const pty = await createPtyPair();
  cleanups.push(() => pty.close());
  const dir = await tempDir("prepaid-");
  cleanups.push(() => dir.remove());
  const clock = new AcceleratedClock(600, startWallMs);
  const dltModel = options.dltModel ?? "single-phase";
  const sim = await startSite(protocol, pty.a, clock, dltModel);
  cleanups.push(() => sim.stop());
  writeFileSync(join(dir.path, "meter-password"), `${dltPassword}\n`);
  writeFileSync(join(dir.path, "command-key"), testKeyText);
  const mqtt =
    options.brokerUrl === undefined
      ? ""
      : `mqtt: { url: "${options.brokerUrl}", commandKeyFile: command-key, reconnectMinMs: 100, reconnectMaxMs: 1000, pollIntervalMs: 50 }`;
  const gatewayLine = `gateway: { id: gw-test, dataDir: ${join(dir.path, "data")}, timezone: UTC, httpPort: ${await freePort()} }`;
  const parsed = parseConfig(gatewayLine + siteConfig(protocol, pty.b, policy, `dlt645-${dltModel}`) + mqtt, {
    baseDir: dir.path,
    profileNames: () => new Map([...profiles].map(([id, p]) => [id, p.protocol])),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const gateway = new Gateway(parsed.config, {
    clock,
    wireClock: new SystemClock(),
    ...(options.brokerUrl === undefined ? {} : { uplinkClock: new SystemClock() }),
    logger: silentLogger(),
    transportFactory: modbusTransportFactory,
    profiles,
  });
  await gateway.start();
  cleanups.push(() => gateway.stop());
  const writesTo = (unit: number) =>
    sim.bus.writeLog.filter((w) => w.unit === unit && !(protocol === "dlt645" && dltNotSupply(w)));
  const relayWrite = (unit: number, modbusValue: number, dltCommand: number) =>
    writesTo(unit).find((w) =>
      protocol === "modbus"
        ? w.value === modbusValue
        : w.fc === 0x1c && w.value === dltCommand && w.result === "applied",
    );
  return {
    sim,
    gateway,
    clock,
    http: async (path) => {
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
        signal: AbortSignal.timeout(5000),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    events: (type) => gateway.store.events.list({ limit: 10_000 }).filter((e) => e.type === type),
    writesTo,
    cutOf: (unit) => relayWrite(unit, 0, dltTrip),
    restoreOf: (unit) => relayWrite(unit, 1, dltDirectClose),
  };
}

function startSite(
  protocol: MeterProtocol,
  path: string,
  simClock: AcceleratedClock,
  dltModel: "single-phase" | "three-phase",
) {
  const meter = (unit: number) => ({ unit, powerW: 2000, importEnergyWh: 1_000_000 });
  if (protocol === "modbus") {
    return startSimulator({
      endpoint: { kind: "serial", path, baudRate: 38400 },
      meters: [1, 2].map((unit) => ({
        ...meter(unit),
        profile: requireProfile(profiles, "generic-prepaid"),
      })),
      simClock,
    });
  }
  return startSimulator({
    endpoint: { kind: "serial", path, baudRate: 2400, parity: "even" },
    meters: [],
    dltMeters: [1, 2].map((unit) => ({
      unit,
      load: { kind: "constant", powerW: 2000 },
      importEnergyWh: 1_000_000,
      dlt645: { address: dltAddress(unit), password: dltPassword, model: dltModel },
    })),
    simClock,
  });
}

const dltAddress = (unit: number) => String(unit).padStart(12, "0");

function siteConfig(protocol: MeterProtocol, path: string, policy: string, dltProfile: string): string {
  const bus =
    protocol === "modbus"
      ? `{ id: rs485, transport: rtu, path: ${path}, baudRate: 38400, timeoutMs: 300, interFrameGapMs: 5 }`
      : `{ id: rs485, transport: serial, path: ${path}, timeoutMs: 400, interFrameGapMs: 5 }`;
  const meter = (id: string, unit: number, account: string) =>
    protocol === "modbus"
      ? `{ id: ${id}, bus: rs485, unit: ${unit}, profile: generic-prepaid, account: ${account}, pollIntervalMs: 30000 }`
      : `{ id: ${id}, bus: rs485, address: '${dltAddress(unit)}', profile: ${dltProfile}, account: ${account}, pollIntervalMs: 30000, relay: { passwordFile: meter-password } }`;
  return `
buses: [${bus}]
meters:
  - ${meter("flat-1", 1, "a1")}
  - ${meter("hospital", 2, "h1")}
accounts:
  - { id: a1, tariff: flat, balance: "0.30", alarm1: "0.20", alarm2: "0.10", overdraftLimit: "0", closeAllowedMin: "0" }
  - { id: h1, tariff: flat, balance: "0.10", protected: { reason: hospital } }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: ${policy}
`;
}
