import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import type { OutboxDeliveryOptions, PublishChannel } from "./delivery.ts";
import { OutboxDelivery } from "./delivery.ts";
import type { StreamEnvelope } from "./envelope.ts";
import { enqueueRecord } from "./outbox-writer.ts";
import { gatewayTopics } from "./topics.ts";

/** A channel that holds every publish until the test acknowledges it. */
class HeldChannel implements PublishChannel {
  readonly sent: { topic: string; envelope: StreamEnvelope; done: (error?: Error) => void }[] = [];
  private acked = 0;

  publish(topic: string, payload: string | Buffer, done: (error?: Error) => void): void {
    this.sent.push({ topic, envelope: JSON.parse(payload.toString()) as StreamEnvelope, done });
  }

  /** Acknowledges the next `n` unacknowledged publishes, in order. */
  ack(n = Infinity): void {
    while (n-- > 0 && this.acked < this.sent.length) this.sent[this.acked++]!.done();
  }

  get unacked(): number {
    return this.sent.length - this.acked;
  }
}

const temp = new TempStores();
let clock: ManualClock;
let store: Store;
let errors: Error[];
const tick = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  clock = new ManualClock();
  store = temp.open({ clock });
  errors = [];
});
afterEach(() => temp.cleanup());

function delivery(options: Partial<OutboxDeliveryOptions> = {}): OutboxDelivery {
  return new OutboxDelivery({
    outbox: store.outbox,
    clock,
    logger: silentLogger(),
    gatewayId: "gw",
    topics: gatewayTopics("mg", "gw"),
    window: 4,
    batchSize: 3,
    backlogRatePerSec: 1000,
    epochOf: () => "0123456789abcdef",
    onPublishError: (error) => errors.push(error),
    ...options,
  });
}

function event(n: number): void {
  enqueueRecord(store.outbox, "events", `e-${n}`, {
    kind: "event",
    type: "meter.online",
    severity: "info",
    meterId: "M-1",
    message: `event ${n}`,
    data: { n },
  });
}

function readings(n: number): void {
  enqueueRecord(store.outbox, "readings", `r-${n}`, {
    kind: "readings",
    readings: [
      { readingId: n, meterId: "M-1", wallMs: 1, monoMs: 1, values: { importEnergyWh: n }, quality: [] },
    ],
  });
}

describe("outbox delivery", () => {
  it("keeps at most `window` records in flight and marks them delivered only on PUBACK", async () => {
    for (let i = 1; i <= 10; i++) event(i);
    const d = delivery();
    const channel = new HeldChannel();
    d.startSession(channel);
    expect(channel.sent).toHaveLength(4);
    expect(store.outbox.backlogCount()).toBe(10);
    channel.ack(2);
    await tick();
    expect(store.outbox.backlogCount()).toBe(8);
    expect(channel.unacked).toBe(4);
    while (channel.unacked > 0) {
      channel.ack();
      await tick();
    }
    expect(channel.sent.map((s) => s.envelope.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(store.outbox.backlogCount()).toBe(0);
    expect(d.lastPublishAtMs).toBe(clock.now());
  });

  it("builds the envelope from the stored row: backlog is historical, records made after connect are live", () => {
    event(1);
    const d = delivery();
    const channel = new HeldChannel();
    d.startSession(channel);
    clock.advance(5000);
    event(2);
    d.outboxChanged();
    expect(channel.sent.map((s) => [s.topic, s.envelope.seq, s.envelope.historical])).toEqual([
      ["mg/gw/events", 1, true],
      ["mg/gw/events", 2, false],
    ]);
    const first = channel.sent[0]!.envelope;
    const stored = store.outbox.get(1)!;
    expect(first).toEqual({
      v: 1,
      gatewayId: "gw",
      stream: "events",
      epoch: "0123456789abcdef",
      seq: 1,
      key: "0123456789abcdef:e-1",
      wallMs: stored.createdAtMs,
      monoMs: stored.createdMonoMs,
      historical: true,
      body: stored.payload,
    });
  });

  it("publishes live records first and paces the backlog", () => {
    for (let i = 1; i <= 20; i++) readings(i);
    const d = delivery({ window: 100, backlogRatePerSec: 10 });
    const channel = new HeldChannel();
    d.startSession(channel);
    // The bucket starts with one tenth of a second's worth: 1 record.
    expect(channel.sent).toHaveLength(1);
    event(1);
    d.outboxChanged();
    expect(channel.sent.at(-1)!.envelope).toMatchObject({ stream: "events", historical: false });
    clock.advance(1000);
    expect(channel.sent.filter((s) => s.envelope.historical)).toHaveLength(11);
    clock.advance(1000);
    const historical = channel.sent.filter((s) => s.envelope.historical).map((s) => s.envelope.seq);
    expect(historical).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("resends what was not acknowledged when a new session starts, in order and flagged historical", async () => {
    for (let i = 1; i <= 6; i++) event(i);
    const d = delivery();
    const first = new HeldChannel();
    d.startSession(first);
    first.ack(2);
    await tick();
    expect(first.sent).toHaveLength(6);
    d.endSession();
    first.ack(1); // a late PUBACK of the old connection still counts as delivered
    await tick();
    const second = new HeldChannel();
    d.startSession(second);
    second.ack();
    await tick();
    second.ack();
    await tick();
    expect(second.sent.map((s) => [s.envelope.seq, s.envelope.historical])).toEqual([
      [4, true],
      [5, true],
      [6, true],
    ]);
    expect(store.outbox.backlogCount()).toBe(0);
  });

  it("ends the session on a publish error and leaves the record undelivered", async () => {
    event(1);
    event(2);
    const d = delivery();
    const channel = new HeldChannel();
    d.startSession(channel);
    channel.sent[0]!.done(new Error("quota exceeded"));
    await tick();
    expect(errors.map((e) => e.message)).toEqual(["quota exceeded"]);
    expect(d.inFlight).toBe(0);
    expect(store.outbox.backlogCount()).toBe(2);
  });

  it("serves streams in turn so a large readings backlog cannot starve events", () => {
    for (let i = 1; i <= 10; i++) readings(i);
    for (let i = 1; i <= 2; i++) event(i);
    const d = delivery({ window: 6 });
    const channel = new HeldChannel();
    d.startSession(channel);
    expect(channel.sent.map((s) => s.envelope.stream)).toEqual([
      "events",
      "readings",
      "events",
      "readings",
      "readings",
      "readings",
    ]);
  });
});
