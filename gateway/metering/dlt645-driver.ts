/**
 * The DL/T 645-2007 meter driver (DOMAIN.md section 5): reads a profile's blocks and DIs through the
 * bus's transactor (dlt645-poll.ts; energy as integer Wh), reads the relay from status word 3, and
 * switches it with the 0x1C command, whose N1 is a parameter ({@link Dlt645MeterDriver.relayCommand}) so
 * restore modes, alarms and keep-power use the same path.
 */
import type { Clock } from "../../core/clock.ts";
import {
  RelayCommand,
  parseRelayReply,
  relayControlFrame,
  type Credentials,
  type DataIdEntry,
  type Dlt645DateTime,
} from "../../protocols/dlt645/index.ts";
import type { Dlt645Link } from "../../protocols/dlt645/transport/link.ts";
import type { ResolvedDlt645Profile } from "../../protocols/profiles/dlt645-resolve.ts";
import type { Transactor } from "../bus/scheduler.ts";
import { localParts } from "../prepaid/local-time.ts";
import { Dlt645Controls } from "./dlt645-controls.ts";
import { Dlt645Poll } from "./dlt645-poll.ts";
import { readFields } from "./dlt645-reads.ts";
import type { MeterDriver, PollResult } from "./driver.ts";
import { defaultOptionalRetryMs, type OptionalBlockChange } from "./optional-blocks.ts";

export interface Dlt645DriverOptions {
  /** Wall time for the 0x1C validity deadline, monotonic time for skipping refused blocks. */
  readonly clock: Clock;
  /** IANA zone of the meters' local clocks (the gateway's `timezone`): deadlines and the clock reading. */
  readonly timeZone: string;
  /** Password level, password (never logged), byte order and operator code of 0x1C commands. */
  readonly credentials: Credentials;
  /** The 0x1C command that closes the relay: direct close 1C (default) or allow close 1B (button). */
  readonly closeCommand?: RelayCommand;
  /** How long a 0x1C command stays valid (N3-N8 = now + this), ms (60000..86400000), default 600000. */
  readonly relayValidityMs?: number;
  /** How long a refused block or missing optional DI is skipped, ms; default 15 min. */
  readonly optionalRetryMs?: number;
  /** An optional quantity stopped or started answering (for logs and events). */
  readonly onOptionalChange?: (change: OptionalBlockChange) => void;
}

/** Status words are two bytes of bits (DL/T 645-2007 appendix A.5). */
const statusWordEntry = (di: number): DataIdEntry => ({
  di,
  name: "status-word",
  format: { kind: "bits", bytes: 2 },
  count: 1,
});

export class Dlt645MeterDriver implements MeterDriver<Dlt645Link> {
  readonly protocol = "dlt645";
  private readonly reader: Dlt645Poll;

  constructor(
    readonly profile: ResolvedDlt645Profile,
    readonly address: string,
    private readonly options: Dlt645DriverOptions,
  ) {
    this.reader = new Dlt645Poll(profile, {
      address,
      timeZone: options.timeZone,
      clock: options.clock,
      optionalRetryMs: options.optionalRetryMs ?? defaultOptionalRetryMs,
      onOptionalChange: options.onOptionalChange,
    });
  }

  get hasRelay(): boolean {
    return this.profile.relay !== undefined;
  }

  /** Allow close, alarm, keep-power, status word 3, clock, freeze, counters, ESAM forward, broadcast time. */
  get controls(): Dlt645Controls {
    return new Dlt645Controls({
      address: this.address,
      credentials: this.options.credentials,
      statusWordDi: this.profile.relay?.state.di ?? 0x04000503,
      relayCommand: (tx, command) => this.relayCommand(tx, command),
    });
  }

  /** Reads every block, DI and the clock of the profile, then the relay (from the status word if read). */
  async poll(tx: Transactor<Dlt645Link>): Promise<PollResult> {
    let read: Awaited<ReturnType<Dlt645Poll["readAll"]>>;
    try {
      read = await this.reader.readAll(tx);
    } catch (error) {
      this.reader.forget();
      throw error;
    }
    const { values, missing } = read;
    const result: PollResult = {
      values,
      flags: missing.length > 0 ? ["quantity-missing"] : [],
      ...(missing.length > 0 ? { missing } : {}),
    };
    const relay = this.profile.relay;
    if (relay === undefined) return result;
    const word = this.profile.singles.find((q) => q.di === relay.state.di);
    const known = word === undefined ? undefined : values[word.name];
    return { ...result, relayClosed: known === undefined ? await this.readRelay(tx) : this.closedIn(known) };
  }

  /** Reads whether the supply relay is closed: the status word's open bit clear (04000503 bit 4). */
  async readRelay(tx: Transactor<Dlt645Link>): Promise<boolean> {
    const relay = this.profile.relay;
    if (relay === undefined) throw new Error(`profile ${this.profile.id} has no relay`);
    const [word] = await readFields(tx, this.address, statusWordEntry(relay.state.di));
    return this.closedIn(typeof word === "number" ? word : 0);
  }

  /** Closes (with the configured close command) or opens (trip 1A) the relay. */
  async writeRelay(tx: Transactor<Dlt645Link>, closed: boolean): Promise<void> {
    await this.relayCommand(
      tx,
      closed ? (this.options.closeCommand ?? RelayCommand.directClose) : RelayCommand.trip,
    );
  }

  /**
   * Sends one plaintext 0x1C command (trip, allow close, direct close, alarm, keep-power), valid until
   * now + relayValidityMs in the meter's local time. Any 0xDC reply is a refusal (METER_ERROR_REPLY,
   * DOMAIN.md section 5: whatever its byte). The password goes into the frame only, never into an error.
   * @param n2 the N2 byte, 0..255 (the pre-trip delay in 5-minute steps for 1D/1E), default 0
   */
  async relayCommand(tx: Transactor<Dlt645Link>, command: RelayCommand, n2 = 0): Promise<void> {
    const frame = relayControlFrame({
      ...this.options.credentials,
      address: this.address,
      command,
      n2,
      validUntil: this.validUntil(),
    });
    const reply = await tx.transact((link, timeoutMs) => link.request(frame, timeoutMs));
    parseRelayReply(reply, this.address);
  }

  /** N3-N8: the meter-local time after which the meter ignores the command. */
  private validUntil(): Dlt645DateTime {
    const at = this.options.clock.now() + (this.options.relayValidityMs ?? 600_000);
    const { year, month, day, hour, minute, second } = localParts(at, this.options.timeZone);
    return { year, month, day, hour, minute, second };
  }

  private closedIn(word: number): boolean {
    const bit = this.profile.relay?.state.openBit ?? 4;
    return (word & (1 << bit)) === 0;
  }
}
