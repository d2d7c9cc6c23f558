/**
 * A small site for the technician's commands: simulated prepaid meters on a serial line (a real pty
 * pair joined by socat), `meter-gateway run` as a child process holding that port, and the simulator's
 * control interface (its write log, faults, meter swaps). Unit 1 bills account `flat-1`; unit 2 bills
 * the protected account `clinic`; unit 3 (`shop`) draws 20 kW on a dear tariff from 1 yuan, so within
 * seconds it warns, is announced a cut (1 s notice) and is cut.
 */
import { createPtyPair, type PtyPair } from "./index.ts";
import { startService, type ServiceUnderTest } from "./service.ts";
import { startInProcess } from "./simulator.ts";

/** The running site. */
export interface TechnicianSite {
  readonly sim: Awaited<ReturnType<typeof startInProcess>>;
  readonly service: ServiceUnderTest;
  readonly pty: PtyPair;
  /** The serial device the gateway opens. */
  readonly device: string;
  /** Stops the service, the simulator and socat; removes the temp dir. */
  stop(): Promise<void>;
}

/** Serial numbers of the simulated meters (unit 1, unit 2). */
export const siteSerials = { flat: 41000001, clinic: 41000002 } as const;

/** The service's config for the site; `extra` is appended (e.g. an `mqtt:` section). */
export function siteConfig(parts: { dataDir: string; httpPort: number; device: string }, extra = ""): string {
  return `gateway: { id: gw-tech, dataDir: ${parts.dataDir}, httpPort: ${parts.httpPort}, logLevel: info }
buses: [{ id: rs485, transport: rtu, path: ${parts.device}, baudRate: 19200, timeoutMs: 400, interFrameGapMs: 5 }]
meters:
  - { id: flat-1, bus: rs485, unit: 1, profile: generic-prepaid, account: flat-1, pollIntervalMs: 500 }
  - { id: clinic, bus: rs485, unit: 2, profile: generic-prepaid, account: clinic, pollIntervalMs: 500 }
  - { id: shop, bus: rs485, unit: 3, profile: generic-prepaid, account: shop, pollIntervalMs: 500 }
accounts:
  - { id: flat-1, tariff: flat, balance: "80.00", lastPurchaseSeq: 4 }
  - { id: clinic, tariff: flat, balance: "20.00", protected: { reason: clinic } }
  - { id: shop, tariff: dear, balance: "1.00", alarm1: "0.80", alarm2: "0.50" }
tariffs: [{ id: flat, kind: flat, price: "0.5283" }, { id: dear, kind: flat, price: "50.0000" }]
policy: { friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 20, cutNoticeMs: 1000 }
${extra}`;
}

/** Starts the simulator on a pty and the service on the other end; waits until both meters answer. */
export async function startTechnicianSite(): Promise<TechnicianSite> {
  const pty = await createPtyPair();
  const sim = await startInProcess({
    buses: [
      {
        name: "rs485",
        endpoint: { kind: "serial", device: pty.a, baud: 19200 },
        meters: [
          {
            units: 1,
            profile: "generic-prepaid",
            energyWh: 3_000_000,
            load: 1500,
            serialNumber: siteSerials.flat,
          },
          {
            units: 2,
            profile: "generic-prepaid",
            energyWh: 8_000_000,
            load: 900,
            serialNumber: siteSerials.clinic,
          },
          { units: 3, profile: "generic-prepaid", energyWh: 1_000_000, load: 20_000, serialNumber: 41000003 },
        ],
      },
    ],
  });
  let service: ServiceUnderTest;
  try {
    service = await startService({ config: (p) => siteConfig({ ...p, device: pty.b }) });
  } catch (error) {
    await sim.stop();
    await pty.close();
    throw error;
  }
  return {
    sim,
    service,
    pty,
    device: pty.b,
    async stop() {
      await service.stop();
      await sim.stop();
      await pty.close();
      await service.dir.remove();
    },
  };
}
