/**
 * What a simulated DL/T 645 meter does with the requests that change it: 0x1C relay control (with the
 * cost-control behaviour of DOMAIN.md section 5), 0x14 write and 0x08 broadcast time. Each returns the
 * outcome for the reply and the write log; relay moves and timers go through {@link DltHooks}.
 */
import {
  RelayCommand,
  decodeRelayBody,
  encodePassword,
  findDataId,
  payloadBytes,
  relayCommandName,
  type Dlt645DateTime,
  type Dlt645Request,
} from "../../protocols/dlt645/index.ts";
import type { WriteResult } from "../core/sim-bus.ts";
import type { DltSimMeter } from "./dlt-meter.ts";

/** How a DL/T command reaches the rest of the simulation (events, relay changes, timers). */
export interface DltHooks {
  /** Moves the relay and logs `relay-changed` (source `dlt645`). */
  setRelay(meter: DltSimMeter, closed: boolean): void;
  /** Runs `run` at simulated time `atMs` (the pre-trip's automatic restore). */
  schedule(atMs: number, label: string, run: () => void): void;
  /** Logs an event about the meter. */
  event(kind: "meter-clock-set", meter: DltSimMeter, detail: Record<string, unknown>): void;
}

/** The meter's answer: acknowledged, or an error byte; and what the write log records. */
export interface CommandOutcome {
  readonly errorByte?: number;
  readonly result: WriteResult;
  readonly detail: Record<string, unknown>;
}

const errOther = 0x01;
const errUnauthorised = 0x04;
const fiveMinutesMs = 5 * 60_000;
const dayMs = 86_400_000;

type WithCredentials = Extract<Dlt645Request, { kind: "write" | "relay-control" }>;

function credentialsOk(meter: DltSimMeter, request: WithCredentials): boolean {
  const expected = encodePassword(meter.config.password, meter.config.passwordOrder);
  return request.level === meter.config.level && request.passwordBytes.every((b, i) => b === expected[i]);
}

function refuse(errorByte: number, reason: string, detail: Record<string, unknown>): CommandOutcome {
  return { errorByte, result: "rejected", detail: { ...detail, reason } };
}

const localMsOf = (t: Dlt645DateTime) =>
  Date.UTC(t.year ?? 2000, (t.month ?? 1) - 1, t.day ?? 1, t.hour ?? 0, t.minute ?? 0, t.second ?? 0);

/** 0x1C: checks credentials and the deadline, then acts on N1 (ESAM level 98: logged, acknowledged). */
export function relayControl(
  meter: DltSimMeter,
  request: Extract<Dlt645Request, { kind: "relay-control" }>,
  hooks: DltHooks,
): CommandOutcome {
  const base = { level: request.level, operatorCode: request.operatorCode };
  if (!credentialsOk(meter, request)) return refuse(errUnauthorised, "wrong password or level", base);
  if (request.level === 98) {
    // The simulator has no ESAM keys: it records the platform's block so tests can compare it.
    return {
      result: "applied",
      detail: { ...base, ciphertextHex: Buffer.from(request.body).toString("hex") },
    };
  }
  const body = decodeRelayBody(request.body);
  if (body === undefined) return refuse(errOther, "malformed N1..N8", base);
  const command = relayCommandName(body.command);
  const detail = {
    ...base,
    command: command ?? `0x${body.command.toString(16)}`,
    n2: body.n2,
    validUntil: body.validUntil,
  };
  if (command === undefined) return refuse(errOther, "unknown command", detail);
  if (localMsOf(body.validUntil) < meter.meterLocalMs()) return refuse(errOther, "deadline passed", detail);
  return applyCommand(meter, body.command, body.n2, hooks, detail);
}

function applyCommand(
  meter: DltSimMeter,
  command: number,
  n2: number,
  hooks: DltHooks,
  detail: Record<string, unknown>,
): CommandOutcome {
  const flags = meter.relayFlags;
  const move = (closed: boolean): WriteResult => {
    if (meter.relayStuck) return "ignored";
    hooks.setRelay(meter, closed);
    return "applied";
  };
  switch (command) {
    case RelayCommand.trip:
    case RelayCommand.preTripThenClose:
    case RelayCommand.preTripThenAllowClose: {
      if (flags.keepPower) return refuse(errOther, "keep-power is on", detail);
      flags.openCommanded = true;
      flags.awaitingButton = false;
      if (command !== RelayCommand.trip) schedulePreTripEnd(meter, command, n2, hooks);
      return { result: move(false), detail };
    }
    case RelayCommand.allowClose:
      flags.openCommanded = false;
      flags.awaitingButton = !meter.relayClosed;
      return { result: "applied", detail };
    case RelayCommand.directClose:
      flags.openCommanded = false;
      flags.awaitingButton = false;
      return { result: move(true), detail };
    case RelayCommand.alarmOn:
    case RelayCommand.alarmOff:
      flags.alarmOn = command === RelayCommand.alarmOn;
      return { result: "applied", detail };
    case RelayCommand.keepPowerOn:
      // Keep-power overrides a trip (DOMAIN.md section 2, priority 2): the supply comes back.
      flags.keepPower = true;
      flags.openCommanded = false;
      flags.awaitingButton = false;
      return { result: move(true), detail };
    case RelayCommand.keepPowerOff:
      flags.keepPower = false;
      return { result: "applied", detail };
    default:
      return refuse(errOther, "unknown command", detail);
  }
}

/** 1D closes by itself after N2 x 5 minutes; 1E then allows close by the button. */
function schedulePreTripEnd(meter: DltSimMeter, command: number, n2: number, hooks: DltHooks): void {
  const atMs = meter.clockNow() + Math.max(1, n2) * fiveMinutesMs;
  hooks.schedule(atMs, `pre-trip end on ${meter.address}`, () => {
    if (!meter.relayFlags.openCommanded) return;
    meter.relayFlags.openCommanded = false;
    if (command === RelayCommand.preTripThenClose) hooks.setRelay(meter, true);
    else meter.relayFlags.awaitingButton = !meter.relayClosed;
  });
}

/** 0x14: credentials, then a DI the table knows with a value of its size; read back as written. */
export function write(
  meter: DltSimMeter,
  request: Extract<Dlt645Request, { kind: "write" }>,
): CommandOutcome {
  const detail = {
    level: request.level,
    operatorCode: request.operatorCode,
    valueHex: Buffer.from(request.value).toString("hex"),
  };
  if (!credentialsOk(meter, request)) return refuse(errUnauthorised, "wrong password or level", detail);
  const entry = findDataId(request.di);
  if (entry === undefined || payloadBytes(entry) !== request.value.length)
    return refuse(errOther, "not writable", detail);
  meter.written.set(request.di >>> 0, request.value);
  return { result: "applied", detail };
}

/**
 * 0x08 as meters apply it (DL/T 645-2007 clause 7.1 and State Grid practice): at most once a meter-local
 * day, a correction of at most 5 minutes, never within 5 minutes of local midnight; anything else is
 * ignored silently (broadcasts get no reply), which the write log records as `rejected`.
 */
export function broadcastTime(meter: DltSimMeter, time: Dlt645DateTime, hooks: DltHooks): CommandOutcome {
  const requestedMs = localMsOf(time);
  const meterMs = meter.meterLocalMs();
  const detail = { time, correctionMs: requestedMs - meterMs };
  const sinceMidnight = ((meterMs % dayMs) + dayMs) % dayMs;
  if (Math.abs(requestedMs - meterMs) > fiveMinutesMs) return refuse(0, "correction above 5 minutes", detail);
  if (sinceMidnight < fiveMinutesMs || sinceMidnight > dayMs - fiveMinutesMs)
    return refuse(0, "within 5 minutes of midnight", detail);
  const last = meter.lastTimeSyncMs;
  if (last !== undefined && Math.floor(meter.meterLocalMs(last) / dayMs) === Math.floor(meterMs / dayMs)) {
    return refuse(0, "already set today", detail);
  }
  meter.setClock(requestedMs);
  hooks.event("meter-clock-set", meter, detail);
  return { result: "applied", detail };
}
