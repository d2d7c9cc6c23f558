import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ManualClock } from "../../core/clock.ts";
import { EventBus } from "../../core/event-bus.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { createLogger } from "../../core/logger.ts";
import { newCounters } from "../bus/counters.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import { freshStorePerTest } from "../../test/helpers/store/temp-store.ts";
import { meterLinkEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { EventLog } from "./event-log.ts";
import { MeterEventRecorder } from "./meter-events.ts";

let store: Store;
let clock: ManualClock;
freshStorePerTest((s, c) => {
  store = s;
  clock = c;
});

/** A JSON logger whose lines the test reads back. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: "info", destination }), lines };
}

const messages = () =>
  store.events.list({ limit: 100 }).map((e) => (e.payload as { message: string }).message);

describe("meter link events", () => {
  it('say "answers" at the first contact since start and "answers again" after an outage', () => {
    const events = new EventBus<GatewayEvents>(() => undefined);
    const recorder = new MeterEventRecorder({ events, store, onMeterState: () => undefined });
    recorder.start();
    const counters = newCounters();
    const state = (s: "online" | "offline") =>
      events.emit("meter.state", {
        meterId: "M1",
        busId: "b1",
        state: s,
        counters: { ...counters, state: s },
      });
    state("online");
    counters.lastError = { code: "TIMEOUT", message: "FC04 0x0000 x76: no reply from unit 1", atMs: 0 };
    state("offline");
    state("online");
    recorder.stop();
    expect(messages()).toEqual([
      "meter M1 answers",
      "meter M1 stopped answering: FC04 0x0000 x76: no reply from unit 1 (TIMEOUT)",
      "meter M1 answers again",
    ]);
  });

  it("say why a meter stopped answering even when the transport gave no words", () => {
    const silent = { code: "TRANSPORT_ERROR", message: "", atMs: 0 };
    expect(meterLinkEvent("M1", "b1", false, silent).message).toBe(
      "meter M1 stopped answering: TRANSPORT_ERROR (no detail from the transport)",
    );
    expect(meterLinkEvent("M1", "b1", false, undefined).message).toMatch(
      /^meter M1 stopped answering: no error was recorded/,
    );
  });
});

describe("EventLog", () => {
  it("logs each committed event once, as its wording plus structured fields, after the history", () => {
    recordEvent(store, meterLinkEvent("M0", "b1", true, undefined, true));
    const { logger, lines } = capturedLogger();
    const log = new EventLog({ store, logger, clock });
    log.start();
    store.transaction(() =>
      recordEvent(store, {
        type: "cut.announced",
        severity: "warning",
        meterId: "M1",
        accountId: "A1",
        message: "supply will be cut at 2026-12-01T10:30:00.000Z unless topped up (balance -0.01 yuan)",
        data: { plannedAtMs: 1, balance: "-0.008299" },
      }),
    );
    // A unit of work that rolls back leaves no event and no line.
    expect(() =>
      store.transaction(() => {
        recordEvent(store, meterLinkEvent("M2", "b1", true, undefined, true));
        throw new GatewayError(ErrorCode.Internal, "rolled back");
      }),
    ).toThrow(/rolled back/);
    expect(lines).toEqual([]);
    clock.advance(250);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: "meter M1: supply will be cut at 2026-12-01T10:30:00.000Z unless topped up (balance -0.01 yuan)",
      event: "cut.announced",
      severity: "warning",
      meterId: "M1",
      accountId: "A1",
      data: { plannedAtMs: 1, balance: "-0.008299" },
    });
    recordEvent(store, meterLinkEvent("M1", "b1", false, { code: "TIMEOUT", message: "no reply", atMs: 0 }));
    log.stop();
    expect(lines.map((l) => l["msg"])).toEqual([
      lines[0]!["msg"],
      "meter M1 stopped answering: no reply (TIMEOUT)",
    ]);
    clock.advance(1000);
    expect(lines).toHaveLength(2);
  });
});
