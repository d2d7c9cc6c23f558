/**
 * The narrow ports the service's features read, each implemented once and handed in by the composition
 * root. A feature names the port it needs instead of taking the whole gateway, so status,
 * metrics, HTTP and the command executor neither see nor import the object that builds them.
 */
import type { JobPriority } from "../bus/scheduler.ts";
import type { MeterCounters, BusCounters } from "../bus/counters.ts";
import type { Reading } from "../metering/reading.ts";
import type { Account } from "../store/index.ts";
import type { MeterInfo } from "./buses.ts";

/** A relay's position as the latest stored reading shows it; undefined when the meter has not said. */
export type RelayShown = "closed" | "open" | undefined;

/** Per bus: time in transactions since start, queue depth, and the link's state and failures. */
export interface BusStats {
  busId: string;
  busyMs: number;
  queued: Record<JobPriority, number>;
  link: Readonly<BusCounters>;
  /** Replies dropped because no request waited for their transaction id (Modbus TCP). */
  unmatchedReplies: number;
}

/**
 * The meters of the running config: where each sits, its live counters, its account and its latest
 * stored reading. Relay position, meter -> account and online counts are derived here and only here.
 */
export interface MeterDirectory {
  meters(): MeterInfo[];
  meter(meterId: string): MeterInfo | undefined;
  /** The meter's link counters (state online/offline/unknown, last seen, last error). */
  live(meterId: string): MeterCounters;
  /** The account the meter bills, if any. */
  accountOf(meterId: string): string | undefined;
  /** That account as stored now (balance, thresholds), if any. */
  account(meterId: string): Account | undefined;
  /** The latest reading stored since start, if any. */
  lastReading(meterId: string): Reading | undefined;
  /** The relay position of the meter's latest stored reading (this run's, else the database's). */
  relay(meterId: string): RelayShown;
  /** Meters by link state: `online` and `offline` count only meters whose state is known. */
  onlineCounts(): { total: number; online: number; offline: number };
  busStats(): BusStats[];
  /** Reads the meter now, out of turn. */
  readNow(meterId: string): Promise<Reading>;
}

/** Writes and reads back a meter's supply relay over its bus. */
export interface RelayActuator {
  writeRelay(meterId: string, closed: boolean): Promise<void>;
  readRelay(meterId: string): Promise<boolean>;
}

/** The gateway's own clock health: trusted or not, and time since start. */
export interface ClockHealth {
  /** Wall-clock now, epoch ms. */
  now(): number;
  /** Monotonic ms since the gateway started. */
  uptimeMs(): number;
  /** Whether the wall clock is trusted; when not, why in plain words. */
  check(): { ok: true } | { ok: false; detail: string };
}
