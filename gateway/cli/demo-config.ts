/** The demo's site: four prepaid meters, one protected, one nearly empty, on either meter protocol. */

import { demoTerminalConfig } from "./demo-terminal.ts";

/** The meter protocols the demo can simulate (`--protocol`). */
export const demoProtocols = ["modbus", "dlt645"] as const;
export type DemoProtocol = (typeof demoProtocols)[number];

/** How the console names each protocol's bus. */
export const demoBusNames: Record<DemoProtocol, string> = {
  modbus: "Modbus TCP",
  dlt645: "DL/T 645-2007 (through a transparent TCP converter)",
};

/** DL/T 645 meters answer by a 12-digit address: here the unit number, zero-padded. */
export const demoDltAddress = (unit: number): string => String(unit).padStart(12, "0");
/** The DL/T 645 meters' relay password (6 digits), written to `meter-password` beside the config. */
export const demoDltPassword = "123456";
/** The meters' local time, as on a State Grid site: UTC+8 (the gateway's Asia/Shanghai). */
export const demoUtcOffsetMinutes = 480;

export const demoMeters = [
  {
    id: "flat-1",
    unit: 1,
    account: "flat-1",
    powerW: 1800,
    energyWh: 3_120_000,
    note: "a household with 80 yuan of credit",
  },
  {
    id: "flat-2",
    unit: 2,
    account: "flat-2",
    powerW: 3000,
    energyWh: 5_460_000,
    note: "nearly empty: watch it warn, then get cut",
  },
  {
    id: "shop-3",
    unit: 3,
    account: "shop-3",
    powerW: 5000,
    energyWh: 12_800_000,
    note: "a shop on a time-of-use tariff",
  },
  {
    id: "clinic",
    unit: 4,
    account: "clinic",
    powerW: 2500,
    energyWh: 8_000_000,
    note: "protected (keep-power): never cut, even in arrears",
  },
] as const;

export function demoConfig(o: {
  protocol: DemoProtocol;
  dataDir: string;
  simPort: number;
  httpPort: number;
  mqttPort: number;
  keyFile: string;
}): string {
  return `# Written by 'meter-gateway demo'. A real site's config looks like this too.
gateway: { id: demo-gw, dataDir: ${o.dataDir}, timezone: Asia/Shanghai, httpPort: ${o.httpPort}, logLevel: warn }
buses:
  - { id: sim,${o.protocol === "dlt645" ? " protocol: dlt645," : ""} transport: tcp, host: 127.0.0.1, port: ${o.simPort}, timeoutMs: 500 }
meters:
${demoMeters.map((m) => `  - ${meterLine(o.protocol, m)}`).join("\n")}
accounts:
  - { id: flat-1, tariff: residential, balance: "80.00" }
  - { id: flat-2, tariff: residential, balance: "0.80", alarm1: "0.60", alarm2: "0.30", closeAllowedMin: "1.00" }
  - { id: shop-3, tariff: business-tou, balance: "300.00" }
  - { id: clinic, tariff: residential, balance: "0.50", protected: { reason: clinic } }
tariffs:
  - { id: residential, kind: flat, price: "0.5283" }
  - id: business-tou
    kind: tou
    prices: { sharp: "1.2000", peak: "0.9500", flat: "0.6500", valley: "0.3000" }
    weekday: [{ period: valley, from: "00:00", to: "08:00" }, { period: peak, from: "08:00", to: "12:00" }, { period: sharp, from: "18:00", to: "21:00" }]
# The demo runs at any hour, so no friendly periods; a real site keeps them (default 18:00-08:00 and weekends).
policy: { cutNoticeMs: 1800000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 6 }
# The embedded aedes broker speaks MQTT 3.1.1, hence protocolVersion 4; a real broker uses 5 (the default).
mqtt: { url: "mqtt://127.0.0.1:${o.mqttPort}", protocolVersion: 4, commandKeyFile: ${o.keyFile} }
${o.protocol === "modbus" ? demoTerminalConfig() : ""}`;
}

function meterLine(protocol: DemoProtocol, m: (typeof demoMeters)[number]): string {
  const common = `id: ${m.id}, bus: sim, account: ${m.account}, pollIntervalMs: 60000`;
  return protocol === "modbus"
    ? `{ ${common}, unit: ${m.unit}, profile: generic-prepaid }`
    : `{ ${common}, address: '${demoDltAddress(m.unit)}', profile: dlt645-single-phase, relay: { passwordFile: meter-password } }`;
}
