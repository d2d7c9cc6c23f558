/**
 * An in-memory Modbus transport on the injected Clock, for unit tests of the bus layer (a meter on
 * RS-485 cannot exist in a unit test; the real transports are driven against ptys and sockets in
 * test/integration and test/faults). Each unit answers after `replyMs` of clock time, stays silent
 * (TIMEOUT once the request's timeout passes, as a real transport reports it), answers an exception,
 * or never settles at all (a broken transport). Every request is logged with its clock times, and the
 * transport counts how many were in flight at once.
 */
import type { BitReadFc, RegisterReadFc } from "../../../protocols/modbus/pdu.ts";
import type { ModbusTransport } from "../../../protocols/modbus/transport/transport.ts";
import type { Clock } from "../../../core/clock.ts";
import { ErrorCode, GatewayError, modbusException } from "../../../core/errors.ts";

/** How a unit behaves: answers, is silent, answers an exception code, or leaves the request hanging. */
export type UnitBehaviour = "answer" | { exception: number } | "silent" | "hang";

/** One request as the transport saw it, with monotonic clock times (endMono undefined while pending). */
export interface LoggedRequest {
  op: "read" | "bits" | "coil" | "register";
  unit: number;
  address: number;
  /** Register count for reads, the written value for writes. */
  value: number;
  timeoutMs: number;
  startMono: number;
  endMono: number | undefined;
}

export class MemoryTransport implements ModbusTransport {
  readonly description = "memory transport";
  isOpen = false;
  opens = 0;
  /** Clock time a unit takes to answer, ms, unless {@link setReplyMs} set its own. */
  replyMs = 10;
  private readonly replyMsByUnit = new Map<number, number>();
  readonly log: LoggedRequest[] = [];
  /**
   * Set true to stand for a link that settles every request within its timeout itself (the MBAP
   * client, BusLink.boundsRequests): the bus then adds no guard and takes its one-`then` first attempt.
   * Leave it unset with "hang", which never settles.
   */
  boundsRequests: boolean | undefined;
  /** The most requests that were ever in flight at once: 1 on a correctly scheduled bus. */
  maxInFlight = 0;
  private inFlight = 0;
  /** Holding registers by unit and address; unknown ones read 0. */
  private readonly registers = new Map<number, Map<number, number>>();
  private readonly behaviours = new Map<number, UnitBehaviour>();
  /** Rejects of the requests in flight, for {@link dropLink}. */
  private readonly pending = new Set<(error: GatewayError) => void>();

  constructor(private readonly clock: Clock) {}

  /** Sets how `unit` behaves from its next request on (default "answer"). */
  behave(unit: number, behaviour: UnitBehaviour): void {
    this.behaviours.set(unit, behaviour);
  }

  /** Sets how long `unit` takes to answer, ms (clock time). */
  setReplyMs(unit: number, ms: number): void {
    this.replyMsByUnit.set(unit, ms);
  }

  setRegister(unit: number, address: number, value: number): void {
    let map = this.registers.get(unit);
    if (map === undefined) this.registers.set(unit, (map = new Map<number, number>()));
    map.set(address, value);
  }

  getRegister(unit: number, address: number): number {
    return this.registers.get(unit)?.get(address) ?? 0;
  }

  /** Requests to `unit`, in order. */
  requestsTo(unit: number): LoggedRequest[] {
    return this.log.filter((r) => r.unit === unit);
  }

  /** The link ends under the requests in flight (a TCP peer closed): each fails with `error`. */
  dropLink(error: GatewayError): void {
    this.isOpen = false;
    for (const reject of [...this.pending]) reject(error);
  }

  open(): Promise<void> {
    this.opens += 1;
    this.isOpen = true;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.isOpen = false;
    return Promise.resolve();
  }

  readRegisters(unit: number, _fc: RegisterReadFc, address: number, count: number, timeoutMs: number) {
    return this.request({ op: "read", unit, address, value: count, timeoutMs }, () =>
      Array.from({ length: count }, (_, i) => this.getRegister(unit, address + i)),
    );
  }

  readBits(unit: number, _fc: BitReadFc, address: number, count: number, timeoutMs: number) {
    return this.request({ op: "bits", unit, address, value: count, timeoutMs }, () =>
      Array.from({ length: count }, (_, i) => this.getRegister(unit, address + i) !== 0),
    );
  }

  async writeCoil(unit: number, address: number, value: boolean, timeoutMs: number): Promise<void> {
    const raw = value ? 1 : 0;
    await this.request({ op: "coil", unit, address, value: raw, timeoutMs }, () =>
      this.setRegister(unit, address, raw),
    );
  }

  async writeRegister(unit: number, address: number, value: number, timeoutMs: number): Promise<void> {
    await this.request({ op: "register", unit, address, value, timeoutMs }, () =>
      this.setRegister(unit, address, value),
    );
  }

  async writeRegisters(unit: number, address: number, values: readonly number[], timeoutMs: number) {
    await this.request({ op: "register", unit, address, value: values[0] ?? 0, timeoutMs }, () =>
      values.forEach((v, i) => this.setRegister(unit, address + i, v)),
    );
  }

  private request<T>(fields: Omit<LoggedRequest, "startMono" | "endMono">, answer: () => T): Promise<T> {
    if (!this.isOpen)
      return Promise.reject(new GatewayError(ErrorCode.PortClosed, `${this.description} is not open`));
    const entry: LoggedRequest = { ...fields, startMono: this.clock.monotonicMs(), endMono: undefined };
    this.log.push(entry);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const behaviour = this.behaviours.get(fields.unit) ?? "answer";
    const end = () => {
      this.inFlight -= 1;
      entry.endMono = this.clock.monotonicMs();
    };
    return new Promise<T>((resolve, reject) => {
      if (behaviour === "hang") return;
      const silent = behaviour === "silent";
      const drop = (error: GatewayError) => {
        this.clock.clearTimeout(timer);
        this.pending.delete(drop);
        end();
        reject(error);
      };
      this.pending.add(drop);
      const timer = this.clock.setTimeout(
        () => {
          this.pending.delete(drop);
          end();
          if (behaviour === "answer") resolve(answer());
          else if (silent)
            reject(new GatewayError(ErrorCode.Timeout, `no reply from unit ${fields.unit}`, { ...fields }));
          else reject(modbusException(behaviour.exception, { unit: fields.unit }));
        },
        silent ? fields.timeoutMs : (this.replyMsByUnit.get(fields.unit) ?? this.replyMs),
      );
    });
  }
}
