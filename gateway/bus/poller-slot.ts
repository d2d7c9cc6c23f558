/** What the Poller is given (its meters and options) and what it keeps per meter. */
import type { GatewayError } from "../../core/errors.ts";
import type { Clock } from "../../core/clock.ts";
import type { MeterDriver, PollResult } from "../metering/driver.ts";
import type { Reading } from "../metering/reading.ts";
import type { LinkState, MeterCounters } from "./counters.ts";
import type { BusLink, JobEntry } from "./scheduler.ts";

export interface PolledMeter<Link extends BusLink> {
  id: string;
  /** Modbus unit id, for a Modbus meter. */
  unit?: number;
  /** 12-digit DL/T 645 address, for a DL/T 645 meter. */
  address?: string;
  /** Poll interval, ms (100..86400000). */
  pollIntervalMs: number;
  driver: MeterDriver<Link>;
}

export interface PollerOptions {
  busId: string;
  clock: Clock;
  /** Retries per transaction for meters that are not backed off (0..10). */
  retries: number;
  /** First backoff after a meter goes offline, ms; doubles per failed probe. Default 5000. */
  backoffInitialMs?: number;
  /** Longest backoff, ms. Default 300000. */
  backoffMaxMs?: number;
  /** Consecutive failed polls before a meter is offline and backed off. Default 2. */
  offlineAfterFailures?: number;
  onReading?: (reading: Reading) => void;
  onPollError?: (meterId: string, error: GatewayError) => void;
  onStateChange?: (meterId: string, state: LinkState, counters: MeterCounters) => void;
}

/** One meter of the poller: its schedule, backoff and the poll job made once for it. */
export interface MeterSlot<Link extends BusLink> {
  meter: PolledMeter<Link>;
  nextDueMono: number;
  backoffMs: number;
  lastWallMs: number | undefined;
  lastMonoMs: number | undefined;
  /** The meter's counters on its bus (BusScheduler.countersFor: made once, kept). */
  counters: MeterCounters;
  /** A periodic poll of this meter is queued or running: the next one waits until it settles. */
  polling: boolean;
  /**
   * The periodic poll's job and the handlers of its outcome, made once per meter and submitted for
   * every poll (BusScheduler.submit); the job's `retries` set at each poll. An on-demand read runs a
   * copy of the job.
   */
  periodic: JobEntry<Link, PollResult>;
  /** When the periodic poll in hand was queued (monotonic ms). */
  periodicStartMono: number;
}
