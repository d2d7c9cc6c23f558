/** The DL/T 645 part of a meter's view in the control interface (absent for Modbus meters). */
import { DltSimMeter } from "../dlt645/dlt-meter.ts";
import { statusWord3, statusWord3Bits } from "../dlt645/read-data.ts";
import type { SimMeter } from "../core/sim-meter.ts";

/** Address, model, relay flags, status word 3, meter clock, counters, tariff registers, freezes. */
export function dltView(meter: SimMeter) {
  if (!(meter instanceof DltSimMeter)) return undefined;
  meter.advance();
  const localMs = meter.meterLocalMs();
  return {
    address: meter.address,
    model: meter.config.model,
    level: meter.config.level,
    passwordOrder: meter.config.passwordOrder,
    maxPayloadBytes: meter.config.maxPayloadBytes,
    statusWord3: { word: statusWord3(meter).toString(16).padStart(4, "0"), ...statusWord3Bits(meter) },
    awaitingButton: meter.relayFlags.awaitingButton,
    /** The meter's clock, local time as it shows it (no zone), and its error against true time. */
    clock: { local: new Date(localMs).toISOString().slice(0, 19), errorMs: meter.clockErrorMs() },
    counters: { ...meter.counters },
    forwardTariffWh: [...meter.forwardTariffWh],
    reverseTariffWh: [...meter.reverseTariffWh],
    freezes: meter.freezes.map((f) => ({ atMs: f.atMs, forwardWh: f.forwardWh, reverseWh: f.reverseWh })),
  };
}
