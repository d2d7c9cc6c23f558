/**
 * What the bus layer needs of a meter protocol. Modbus implements it today; DL/T 645-2007 will too,
 * with its own link type, without the scheduler or poller changing.
 */
import type { QuantityValues } from "../../protocols/profiles/decode.ts";
import type { BusLink, Transactor } from "../bus/scheduler.ts";
import type { Outcome } from "../bus/transactor.ts";
import type { MeterControls, TimeBroadcaster } from "./controls.ts";
import type { MissingQuantity } from "./optional-blocks.ts";
import type { QualityFlag } from "./reading.ts";

export interface PollResult {
  values: QuantityValues;
  relayClosed?: boolean;
  flags: QualityFlag[];
  /** Optional quantities the meter answered with an exception, left out of `values`. */
  missing?: MissingQuantity[];
}

export interface MeterDriver<Link extends BusLink> {
  readonly protocol: string;
  readonly hasRelay: boolean;
  /** Reads every quantity the meter's profile maps (and the relay state, if any). */
  poll(tx: Transactor<Link>): Promise<PollResult>;
  /**
   * The same poll reporting to `outcome` instead of a promise, where the driver offers it (Modbus):
   * the periodic poll's way, which then makes no promise per poll or request (bus/transactor.ts).
   */
  pollTo?(tx: Transactor<Link>, outcome: Outcome<PollResult>): void;
  /** Reads whether the supply relay is closed. */
  readRelay(tx: Transactor<Link>): Promise<boolean>;
  /** Closes (`true`, supply on) or opens (`false`, cut) the relay. */
  writeRelay(tx: Transactor<Link>, closed: boolean): Promise<void>;
  /**
   * Optional capabilities (allow close, alarm, keep-power, clock, ...); on Modbus meters only the alarm
   * output their profile names.
   */
  readonly controls?: MeterControls<Link> & Partial<TimeBroadcaster<Link>>;
}
