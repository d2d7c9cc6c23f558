/**
 * The meters' optional capabilities (metering/controls.ts) by meter id, over the buses: what the relay
 * runner (allow close, status word 3), the time sync (clocks, broadcast), the freeze check and the
 * ESAM forward use. A capability a meter lacks is `undefined` from the `has*` checks, never a crash.
 */
import type { LocalDateTime, MeterDailyFreeze, RelayStatus, SecuredAnswer } from "../metering/controls.ts";
import type { FreezePort } from "../meter-status/freeze-watch.ts";
import type { MeterClockPort } from "../meter-clock/time-sync.ts";
import type { Buses } from "./buses.ts";

export class MeterControlPort implements MeterClockPort, FreezePort {
  constructor(private readonly buses: () => Buses) {}

  /** Whether the meter has the capability `name`. */
  has(
    meterId: string,
    name: "allowClose" | "setAlarm" | "setKeepPower" | "forwardSecured" | "readRelayStatus",
  ): boolean {
    return this.buses().controls(meterId)?.[name] !== undefined;
  }

  allowClose(meterId: string): Promise<void> {
    return this.buses().control(meterId, (c, tx) => c.allowClose!(tx));
  }

  setAlarm(meterId: string, on: boolean): Promise<void> {
    return this.buses().control(meterId, (c, tx) => c.setAlarm!(tx, on));
  }

  setKeepPower(meterId: string, on: boolean): Promise<void> {
    return this.buses().control(meterId, (c, tx) => c.setKeepPower!(tx, on));
  }

  /** Status word 3, or undefined for a meter that does not report it. */
  readRelayStatus(meterId: string): Promise<RelayStatus | undefined> {
    if (!this.has(meterId, "readRelayStatus")) return Promise.resolve(undefined);
    return this.buses().control(meterId, (c, tx) => c.readRelayStatus!(tx));
  }

  /** Forwards a secured relay command once (no retry: the meter's ESAM counts every command). */
  forwardSecured(meterId: string, block: Uint8Array): Promise<SecuredAnswer> {
    return this.buses().control(meterId, (c, tx) => c.forwardSecured!(tx, block), 0);
  }

  /** Meters that report their own daily freeze. */
  freezeMeters(): string[] {
    const buses = this.buses();
    return buses.meters().flatMap((m) => (buses.controls(m.id)?.readDailyFreeze === undefined ? [] : [m.id]));
  }

  readDailyFreeze(meterId: string): Promise<MeterDailyFreeze> {
    return this.buses().control(meterId, (c, tx) => c.readDailyFreeze!(tx));
  }

  clockBuses(): Array<{ busId: string; meterIds: string[] }> {
    return this.buses().clockBuses();
  }

  readMeterClock(meterId: string): Promise<LocalDateTime> {
    return this.buses().control(meterId, (c, tx) => c.readClock!(tx));
  }

  broadcastTime(busId: string, time: () => LocalDateTime): Promise<void> {
    return this.buses().broadcastTime(busId, time);
  }
}
