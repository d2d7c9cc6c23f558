/**
 * The meters of the running config behind one object: it owns the buses (built here and nowhere else,
 * rebuilt when a reload changes buses or meters) and implements the {@link MeterDirectory} and the
 * {@link RelayActuator} the features read. Relay position, meter -> account and online counts are derived
 * here once, for /status, /healthz, metrics, the uplink's status and its retained meter states alike.
 */
import type { Clock } from "../../core/clock.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { MeterCounters } from "../bus/counters.ts";
import type { BusLink } from "../bus/link.ts";
import type { Transactor } from "../bus/transactions.ts";
import type { Config } from "../config/index.ts";
import type { GatewayEvents } from "../events.ts";
import type { Reading } from "../metering/reading.ts";
import type { Account, Store } from "../store/index.ts";
import type { TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import type { Dlt645LinkFactory } from "../../protocols/dlt645/transport/link.ts";
import type { ProfileRegistry } from "../../protocols/profiles/load.ts";
import type { RelayStatus } from "../metering/controls.ts";
import { Buses, type MeterInfo } from "./buses.ts";
import { MeterControlPort } from "./meter-controls.ts";
import type { BusStats, MeterDirectory, RelayActuator, RelayShown } from "./ports.ts";

export interface MetersDeps {
  readonly clock: Clock;
  readonly events: EventBus<GatewayEvents>;
  readonly profiles: ProfileRegistry;
  readonly transportFactory: TransportFactory;
  /** DL/T 645 links; default serialport and TCP streams. */
  readonly dlt645LinkFactory?: Dlt645LinkFactory | undefined;
  /** IANA zone DL/T 645 meter clocks are set in (the gateway's timezone); default UTC. */
  readonly timeZone?: string | undefined;
  /** Clock of wire-level bounds (BusSchedulerOptions.wireClock); default `clock`. */
  readonly wireClock?: Clock | undefined;
  readonly store: Store;
  /** Meter -> account of the settings in force (they change on reload). */
  readonly meterAccount: () => ReadonlyMap<string, string>;
}

export class Meters implements MeterDirectory, RelayActuator {
  private buses: Buses | undefined;
  private relayMeters = new Set<string>();
  /** DL/T 645 meters with a relay: their driver can allow the close (0x1C N1 = 1B). */
  private allowCloseMeters = new Set<string>();
  /** The latest stored reading of each meter since start. */
  private readonly lastReadings = new Map<string, Reading>();
  /** The relay position last read back after a switch, with the monotonic ms it was read at. */
  private readonly readBacks = new Map<string, { closed: boolean; monoMs: number }>();

  constructor(private readonly deps: MetersDeps) {}

  /**
   * Builds the buses of `config` without polling yet (the engine settles relay operations on them
   * first) and notes which meters have a relay.
   */
  configure(config: Pick<Config, "buses" | "meters">): void {
    const { clock, wireClock, events, profiles, transportFactory, dlt645LinkFactory, timeZone } = this.deps;
    this.buses = new Buses(config, {
      clock,
      wireClock,
      events,
      profiles,
      transportFactory,
      dlt645LinkFactory,
      timeZone,
    });
    this.relayMeters = new Set(
      config.meters.filter((m) => profiles.get(m.profile)?.relay !== undefined).map((m) => m.id),
    );
    this.allowCloseMeters = new Set(
      config.meters.filter((m) => m.protocol === "dlt645" && this.relayMeters.has(m.id)).map((m) => m.id),
    );
  }

  /** Starts polling the configured buses. */
  start(): void {
    this.running().start();
  }

  /** A reload changed buses or meters: closes the old buses, then builds and starts the new ones. */
  async restart(config: Pick<Config, "buses" | "meters">): Promise<void> {
    await this.buses?.stop();
    this.configure(config);
    this.start();
  }

  /** A job for a device that is not a meter (a terminal) on its bus, behind every meter job (Buses.runDeviceJob). */
  runDeviceJob<T>(busId: string, deviceId: string, run: (tx: Transactor<BusLink>) => Promise<T>): Promise<T> {
    return this.running().runDeviceJob(busId, deviceId, run);
  }

  /** Whether the meter's profile has a supply relay. */
  hasRelay(meterId: string): boolean {
    return this.relayMeters.has(meterId);
  }

  /** No new polls; resolves when the polls in hand are done or after `maxWaitMs` (see Buses). */
  async stopPolling(maxWaitMs: number): Promise<void> {
    await this.buses?.stopPolling(maxWaitMs);
  }

  /** Closes every port; counters stay readable and a late relay write fails as `bus stopped`. */
  async stop(): Promise<void> {
    await this.buses?.stop();
  }

  /** A batch was stored: its readings become the meters' latest. */
  remember(batch: readonly Reading[]): void {
    for (const reading of batch) this.lastReadings.set(reading.meterId, reading);
  }

  meters(): MeterInfo[] {
    return this.running().meters();
  }

  meter(meterId: string): MeterInfo | undefined {
    return this.running().meter(meterId);
  }

  live(meterId: string): MeterCounters {
    return this.running().counters(meterId);
  }

  accountOf(meterId: string): string | undefined {
    return this.deps.meterAccount().get(meterId);
  }

  account(meterId: string): Account | undefined {
    const accountId = this.accountOf(meterId);
    return accountId === undefined ? undefined : this.deps.store.accounts.get(accountId);
  }

  lastReading(meterId: string): Reading | undefined {
    return this.lastReadings.get(meterId);
  }

  relay(meterId: string): RelayShown {
    const latest = this.lastReadings.get(meterId);
    const readBack = this.readBacks.get(meterId);
    if (readBack !== undefined && (latest === undefined || latest.monoMs < readBack.monoMs))
      return position(readBack.closed);
    if (latest !== undefined)
      return latest.relayClosed === undefined ? undefined : position(latest.relayClosed);
    // Nothing stored since start: the database's latest reading (stored with relayClosed 1/0).
    const stored = this.deps.store.readings.latestForMeter(meterId)?.extra?.["relayClosed"];
    return stored === undefined ? undefined : position(stored === 1);
  }

  onlineCounts(): { total: number; online: number; offline: number } {
    const states = this.meters().map((m) => this.live(m.id).state);
    return {
      total: states.length,
      online: states.filter((s) => s === "online").length,
      offline: states.filter((s) => s === "offline").length,
    };
  }

  busStats(): BusStats[] {
    return this.running().busStats();
  }

  readNow(meterId: string): Promise<Reading> {
    return this.running().readNow(meterId);
  }

  writeRelay(meterId: string, closed: boolean): Promise<void> {
    return this.running().writeRelay(meterId, closed);
  }

  /** Reads the relay back (after a switch); the position is shown at once (event `meter.shown`). */
  async readRelay(meterId: string): Promise<boolean> {
    const closed = await this.running().readRelay(meterId);
    this.readBacks.set(meterId, { closed, monoMs: this.deps.clock.monotonicMs() });
    this.deps.events.emit("meter.shown", { meterId, cause: "relay" });
    return closed;
  }

  /** The meters' optional capabilities (allow close, alarm, keep-power, clocks, ESAM forward). */
  get controls(): MeterControlPort {
    return new MeterControlPort(() => this.running());
  }

  /** Known from config, before the buses run: the engine decides restore modes at start. */
  canAllowClose(meterId: string): boolean {
    return this.allowCloseMeters.has(meterId);
  }

  allowClose(meterId: string): Promise<void> {
    return this.controls.allowClose(meterId);
  }

  readRelayStatus(meterId: string): Promise<RelayStatus | undefined> {
    return this.controls.readRelayStatus(meterId);
  }

  async control(meterId: string, control: "alarm" | "keep-power", on: boolean): Promise<boolean> {
    const port = this.controls;
    if (!port.has(meterId, control === "alarm" ? "setAlarm" : "setKeepPower")) return false;
    await (control === "alarm" ? port.setAlarm(meterId, on) : port.setKeepPower(meterId, on));
    return true;
  }

  private running(): Buses {
    if (this.buses === undefined) throw new Error("gateway not started: no buses");
    return this.buses;
  }
}

const position = (closed: boolean): RelayShown => (closed ? "closed" : "open");
