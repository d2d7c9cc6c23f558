/**
 * The optional capabilities ({@link MeterControls}) of a DL/T 645-2007 cost-control meter, on top of
 * its driver's 0x1C command and reads: allow close (N1 1B), alarm (2A/2B), keep-power (3A/3B), status
 * word 3 (DI 04000503), the clock (04000101 + 04000102), the latest daily freeze (05060001 + 05060101),
 * event counters (03300D00, 03350000, 03110000), a forwarded ESAM relay command, and the bus's 0x08
 * broadcast time (DOMAIN.md section 5).
 */
import { ErrorCode, isGatewayError } from "../../core/errors.ts";
import {
  broadcastTimeFrame,
  dailyFreezeTimeDi,
  dailyFrozenForwardDi,
  decodeErrorByte,
  findDataId,
  FunctionCode,
  parseRelayReply,
  RelayCommand,
  encodeCredentials,
  type Credentials,
  type DataIdEntry,
  type Dlt645DateTime,
  type FieldValue,
} from "../../protocols/dlt645/index.ts";
import type { Dlt645Link } from "../../protocols/dlt645/transport/link.ts";
import type { Transactor } from "../bus/scheduler.ts";
import type {
  LocalDateTime,
  MeterControls,
  MeterDailyFreeze,
  MeterEventCounters,
  RelayStatus,
  SecuredAnswer,
  TimeBroadcaster,
} from "./controls.ts";
import { readFields } from "./dlt645-reads.ts";

/** Status word 3 bits (DL/T 645-2007 A.5 bit 4; bits 6, 7, 12 State Grid's extension). */
const relayOpenBit = 4;
const openCommandBit = 6;
const alarmBit = 7;
const keepPowerBit = 12;

/** What the controls need of the meter's driver. */
export interface Dlt645ControlTarget {
  readonly address: string;
  readonly credentials: Credentials;
  /** DI of the meter's status word 3 (profile relay.state.di; 04000503). */
  readonly statusWordDi: number;
  relayCommand(tx: Transactor<Dlt645Link>, command: RelayCommand): Promise<void>;
}

const entry = (di: number): DataIdEntry => {
  const found = findDataId(di);
  if (found === undefined) throw new Error(`no DL/T 645 format for DI ${di.toString(16)}`);
  return found;
};
const bits = (word: number, bit: number) => (word & (1 << bit)) !== 0;

function local(date: Dlt645DateTime, time: Dlt645DateTime): LocalDateTime {
  return {
    year: date.year ?? 2000,
    month: date.month ?? 1,
    day: date.day ?? 1,
    hour: time.hour ?? 0,
    minute: time.minute ?? 0,
    second: time.second ?? 0,
  };
}

async function one(tx: Transactor<Dlt645Link>, address: string, di: number): Promise<FieldValue> {
  const [value] = await readFields(tx, address, entry(di));
  return value ?? 0;
}

export class Dlt645Controls implements MeterControls<Dlt645Link>, TimeBroadcaster<Dlt645Link> {
  constructor(private readonly meter: Dlt645ControlTarget) {}

  allowClose(tx: Transactor<Dlt645Link>): Promise<void> {
    return this.meter.relayCommand(tx, RelayCommand.allowClose);
  }

  setAlarm(tx: Transactor<Dlt645Link>, on: boolean): Promise<void> {
    return this.meter.relayCommand(tx, on ? RelayCommand.alarmOn : RelayCommand.alarmOff);
  }

  setKeepPower(tx: Transactor<Dlt645Link>, on: boolean): Promise<void> {
    return this.meter.relayCommand(tx, on ? RelayCommand.keepPowerOn : RelayCommand.keepPowerOff);
  }

  async readRelayStatus(tx: Transactor<Dlt645Link>): Promise<RelayStatus> {
    const [word] = await readFields(tx, this.meter.address, {
      di: this.meter.statusWordDi,
      name: "status-word-3",
      format: { kind: "bits", bytes: 2 },
      count: 1,
    });
    const value = typeof word === "number" ? word : 0;
    return {
      closed: !bits(value, relayOpenBit),
      openCommanded: bits(value, openCommandBit),
      alarmOn: bits(value, alarmBit),
      keepPowerOn: bits(value, keepPowerBit),
    };
  }

  /**
   * Sends the platform's ciphertext and MAC after the meter's level-98 credentials, as 0x1C, and reports
   * the meter's answer: 9C accepted, DC refused with its error byte (any DC is a refusal, DOMAIN.md 5).
   */
  async forwardSecured(tx: Transactor<Dlt645Link>, block: Uint8Array): Promise<SecuredAnswer> {
    const credentials = encodeCredentials(this.meter.credentials);
    const data = new Uint8Array(credentials.length + block.length);
    data.set(credentials, 0);
    data.set(block, credentials.length);
    const frame = { address: this.meter.address, control: FunctionCode.relayControl, data };
    try {
      const reply = await tx.transact((link, timeoutMs) => link.request(frame, timeoutMs));
      parseRelayReply(reply, this.meter.address);
      return { accepted: true };
    } catch (error) {
      if (!isGatewayError(error, ErrorCode.MeterErrorReply)) throw error;
      const errorBits = Number(error.context["errorByte"] ?? 0);
      return { accepted: false, errorBits, errors: decodeErrorByte(errorBits).reasons };
    }
  }

  /** The clock: date, time, and the date again, so a read across midnight is never half one day. */
  async readClock(tx: Transactor<Dlt645Link>): Promise<LocalDateTime> {
    for (let attempt = 0; ; attempt++) {
      const date = (await one(tx, this.meter.address, 0x04000101)) as Dlt645DateTime;
      const time = (await one(tx, this.meter.address, 0x04000102)) as Dlt645DateTime;
      const again = (await one(tx, this.meter.address, 0x04000101)) as Dlt645DateTime;
      if (again.day === date.day || attempt > 0) return local(again.day === date.day ? date : again, time);
    }
  }

  /** The latest daily freeze: its time (05060001, YYMMDDhhmm) and total forward energy (05060101). */
  async readDailyFreeze(tx: Transactor<Dlt645Link>): Promise<MeterDailyFreeze> {
    const at = (await one(tx, this.meter.address, dailyFreezeTimeDi(1))) as Dlt645DateTime;
    const energyWh = Number(await one(tx, this.meter.address, dailyFrozenForwardDi(1)));
    return { frozenAt: local(at, { ...at, second: 0 }), energyWh, resolutionWh: 10 };
  }

  async readEventCounters(tx: Transactor<Dlt645Link>): Promise<MeterEventCounters> {
    const { address } = this.meter;
    return {
      coverOpen: Number(await one(tx, address, 0x03300d00)),
      magneticInterference: Number(await one(tx, address, 0x03350000)),
      powerDown: Number(await one(tx, address, 0x03110000)),
    };
  }

  /** 0x08 to 999999999999: every meter of the bus sets its clock; none answers. */
  broadcastTime(tx: Transactor<Dlt645Link>, time: () => LocalDateTime): Promise<void> {
    return tx.transact((link, timeoutMs) => link.broadcast(broadcastTimeFrame(time()), timeoutMs));
  }
}
