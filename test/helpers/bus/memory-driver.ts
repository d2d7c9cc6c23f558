/**
 * A minimal meter driver over any Modbus transport, for unit tests of the scheduler and poller: one
 * register read per poll (register 0 holds the import energy in Wh) and a relay on coil 100. The real
 * profile-driven driver (metering/modbus-driver.ts) is driven against the simulator in test/integration.
 */
import type { ModbusTransport } from "../../../protocols/modbus/transport/transport.ts";
import type { MeterDriver, PollResult } from "../../../gateway/metering/driver.ts";
import type { Transactor } from "../../../gateway/bus/scheduler.ts";

/** The register that holds the import energy, Wh. */
export const energyRegister = 0;
/** The coil that drives the relay: 1 closed (supply on), 0 open. */
export const relayCoil = 100;

export class MemoryMeterDriver implements MeterDriver<ModbusTransport> {
  readonly protocol = "memory";
  readonly hasRelay = true;

  constructor(readonly unit: number) {}

  async poll(tx: Transactor<ModbusTransport>): Promise<PollResult> {
    const [energyWh] = await tx.transact((link, timeoutMs) =>
      link.readRegisters(this.unit, 3, energyRegister, 1, timeoutMs),
    );
    return { values: { importEnergyWh: energyWh ?? 0 }, flags: [] };
  }

  async readRelay(tx: Transactor<ModbusTransport>): Promise<boolean> {
    const [bit] = await tx.transact((link, timeoutMs) =>
      link.readBits(this.unit, 1, relayCoil, 1, timeoutMs),
    );
    return bit ?? false;
  }

  async writeRelay(tx: Transactor<ModbusTransport>, closed: boolean): Promise<void> {
    await tx.transact((link, timeoutMs) => link.writeCoil(this.unit, relayCoil, closed, timeoutMs));
  }
}
