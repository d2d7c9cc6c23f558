/**
 * What a meter may offer beyond reading and the plain relay of {@link MeterDriver}: each capability is
 * optional, and the features use it only where the meter's driver has it. DL/T 645-2007 cost-control
 * meters have all of them (0x1C N1 codes 1B, 2A/2B, 3A/3B; DIs 04000503, 04000101/02, 05060001/0101;
 * DOMAIN.md section 5); Modbus profiles have none, so Modbus meters keep working exactly as before.
 * The names are the protocol's ideas, not its bytes: the DL/T 645 driver maps them to frames.
 */
import type { BusLink, Transactor } from "../bus/scheduler.ts";

/** A local date and time as a meter keeps it, whole seconds (meters count local time, no zone). */
export interface LocalDateTime {
  /** 2000..2099 (DL/T 645 carries two digits). */
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  /** 1..31 */
  readonly day: number;
  /** 0..23 */
  readonly hour: number;
  /** 0..59 */
  readonly minute: number;
  /** 0..59 */
  readonly second: number;
}

/** How a restore closes the relay: at once, or once the customer presses the meter's button. */
export type RestoreMode = "direct" | "allow-close";

/**
 * The relay as the meter reports it (DL/T 645 status word 3, DI 04000503: bit 4 relay open, bit 6 open
 * command in force, bit 7 alarm on, bit 12 keep-power on; the last three are State Grid's extension).
 */
export interface RelayStatus {
  /** The relay's real position: true = closed (supply on). */
  readonly closed: boolean;
  /** An open (trip) command is in force; false after "allow close" or "close", while the relay may still be open. */
  readonly openCommanded?: boolean;
  readonly alarmOn?: boolean;
  readonly keepPowerOn?: boolean;
}

/** The meter's answer to a forwarded secured relay command. */
export type SecuredAnswer =
  | { readonly accepted: true }
  /** `errorBits`: the error byte of the refusal; `errors`: its bits in words. */
  | { readonly accepted: false; readonly errorBits: number; readonly errors: readonly string[] };

/** The meter's own daily freeze of forward active energy. */
export interface MeterDailyFreeze {
  /** When the meter took it, meter local time (DL/T 645 DI 05060001, YYMMDDhhmm). */
  readonly frozenAt: LocalDateTime;
  /** Total forward active energy at the freeze, Wh (DI 05060101's first field). */
  readonly energyWh: number;
  /** The register's resolution, Wh (10 for XXXXXX.XX kWh). */
  readonly resolutionWh: number;
}

/** Counters of the meter's own event records (DL/T 645 DIs 03300D00, 03350000, 03110000). */
export interface MeterEventCounters {
  readonly coverOpen?: number;
  readonly magneticInterference?: number;
  readonly powerDown?: number;
}

/** Optional capabilities of a meter driver; each absent where the meter or its protocol lacks it. */
export interface MeterControls<Link extends BusLink> {
  /** Allows closing: the relay closes when the customer presses the button (DL/T 645 N1 = 1B). */
  allowClose?(tx: Transactor<Link>): Promise<void>;
  /** Sounds (true) or silences the meter's low-credit alarm (N1 = 2A / 2B). */
  setAlarm?(tx: Transactor<Link>, on: boolean): Promise<void>;
  /** Keep-power on (the meter refuses trips) or off (N1 = 3A / 3B). */
  setKeepPower?(tx: Transactor<Link>, on: boolean): Promise<void>;
  /** The relay's real and commanded state. */
  readRelayStatus?(tx: Transactor<Link>): Promise<RelayStatus>;
  /** Forwards a relay command the platform encrypted (ESAM meters, password level 98) as given. */
  forwardSecured?(tx: Transactor<Link>, block: Uint8Array): Promise<SecuredAnswer>;
  /** The meter's clock (DIs 04000101 + 04000102). */
  readClock?(tx: Transactor<Link>): Promise<LocalDateTime>;
  /** The meter's latest daily freeze (DIs 05060001 + 05060101). */
  readDailyFreeze?(tx: Transactor<Link>): Promise<MeterDailyFreeze>;
  /** The meter's event counters. */
  readEventCounters?(tx: Transactor<Link>): Promise<MeterEventCounters>;
}

/** A bus whose protocol can broadcast the time to every meter on it (DL/T 645 0x08). */
export interface TimeBroadcaster<Link extends BusLink> {
  /** Sends `time()` (called just before the frame is built) to every meter of the bus; no reply. */
  broadcastTime(tx: Transactor<Link>, time: () => LocalDateTime): Promise<void>;
}
