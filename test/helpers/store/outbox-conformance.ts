/**
 * The conformance suite every {@link Outbox} implementation must pass (STYLE.md principle 7, after
 * MQTT.js `test/node/abstract_store.ts`). Call it from a test file with a factory for the implementation.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/clock.ts";
import type { Outbox } from "../../../gateway/store/outbox.ts";

/** A fresh, empty outbox driven by `clock`, and how to dispose of it. */
export interface OutboxFixture {
  readonly outbox: Outbox;
  dispose(): void;
}

/** Registers the conformance tests for the implementation `factory` builds. */
export function outboxConformance(name: string, factory: (clock: ManualClock) => OutboxFixture): void {
  describe(`Outbox conformance: ${name}`, () => {
    const fixtures: OutboxFixture[] = [];
    const make = (clock = new ManualClock()): Outbox => {
      const fixture = factory(clock);
      fixtures.push(fixture);
      return fixture.outbox;
    };
    afterEach(() => {
      for (const f of fixtures.splice(0)) f.dispose();
    });

    it("numbers each stream 1, 2, 3 ... independently, with ids increasing across streams", () => {
      const outbox = make();
      const a1 = outbox.enqueue("readings", "r1", { n: 1 });
      const b1 = outbox.enqueue("events", "e1", { n: 1 });
      const a2 = outbox.enqueue("readings", "r2", { n: 2 });
      expect([a1.seq, b1.seq, a2.seq]).toEqual([1, 1, 2]);
      expect(a1.id).toBeLessThan(b1.id);
      expect(b1.id).toBeLessThan(a2.id);
      expect(outbox.lastId()).toBe(a2.id);
      expect(outbox.lastSeq("readings")).toBe(2);
      expect(outbox.lastSeq("billing")).toBe(0);
    });

    it("returns undelivered records of one stream in sequence order, up to the limit", () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 5));
      const outbox = make(clock);
      for (let i = 1; i <= 5; i++) {
        outbox.enqueue("readings", `r${i}`, { i });
        clock.advance(1000);
      }
      outbox.enqueue("events", "e1", { i: 99 });
      const first = outbox.fetchUndelivered("readings", { limit: 3 });
      expect(first.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(first[0]).toMatchObject({
        stream: "readings",
        key: "r1",
        payload: { i: 1 },
        createdAtMs: Date.UTC(2026, 0, 5),
        createdMonoMs: 0,
        deliveredAtMs: null,
      });
      expect(outbox.fetchUndelivered("readings", { limit: 100 })).toHaveLength(5);
      expect(outbox.fetchUndelivered("billing", { limit: 100 })).toEqual([]);
      // The same records with their payloads as the stored JSON's UTF-8 bytes, for the uplink to send as
      // they are.
      const stored = outbox.fetchUndeliveredJson("readings", { limit: 3, afterId: first[0]!.id });
      expect(
        stored.map(({ payloadJson, ...rest }) => ({
          ...rest,
          payload: JSON.parse(payloadJson.toString("utf8")) as unknown,
        })),
      ).toEqual(outbox.fetchUndelivered("readings", { limit: 3, afterId: first[0]!.id }));
      expect(stored.map((r) => r.payloadJson.toString("utf8"))).toEqual(['{"i":2}', '{"i":3}', '{"i":4}']);
      outbox.enqueue("readings", "r6", { text: "m\u00e9 \u2028 \ud83d\ude00" });
      const [unicode] = outbox.fetchUndeliveredJson("readings", { limit: 1, afterId: 5 });
      expect(unicode!.payloadJson).toEqual(Buffer.from('{"text":"m\u00e9 \u2028 \ud83d\ude00"}', "utf8"));
    });

    it("stores the payload as JSON, detached from the caller's object", () => {
      const outbox = make();
      const payload = { a: 1, nested: { b: [1, 2] }, gone: undefined, at: new Date(0) };
      const { id } = outbox.enqueue("events", "k", payload);
      payload.nested.b.push(3);
      expect(outbox.get(id)?.payload).toEqual({
        a: 1,
        nested: { b: [1, 2] },
        at: "1970-01-01T00:00:00.000Z",
      });
    });

    it("treats a repeated key as the same record and uses no sequence number for it", () => {
      const outbox = make();
      const first = outbox.enqueue("billing", "charge:7", { amount: 1 });
      const again = outbox.enqueue("billing", "charge:7", { amount: 2 });
      expect(again).toEqual({ id: first.id, seq: first.seq, duplicate: true });
      expect(outbox.get(first.id)?.payload).toEqual({ amount: 1 });
      expect(outbox.enqueue("billing", "charge:8", {}).seq).toBe(2);
      expect(() => outbox.enqueue("events", "charge:7", {})).toThrow(/another stream/);
      expect(outbox.enqueue("events", "e1", {}).seq).toBe(1);
      expect(outbox.enqueue("billing", "charge:9", {}).seq).toBe(3);
    });

    it("marks records delivered once, ignoring unknown and repeated ids", () => {
      const clock = new ManualClock();
      const outbox = make(clock);
      const ids = [1, 2, 3].map((i) => outbox.enqueue("readings", `r${i}`, { i }).id);
      clock.advance(5000);
      expect(outbox.markDelivered([ids[0]!, ids[2]!, ids[2]!, 9999])).toBe(2);
      expect(outbox.markDelivered([ids[0]!])).toBe(0);
      expect(outbox.markDelivered([])).toBe(0);
      expect(outbox.fetchUndelivered("readings", { limit: 10 }).map((r) => r.id)).toEqual([ids[1]]);
      expect(outbox.get(ids[0]!)?.deliveredAtMs).toBe(clock.now());
      clock.advance(5000);
      outbox.markDelivered([ids[0]!]);
      expect(outbox.get(ids[0]!)?.deliveredAtMs).toBe(clock.now() - 5000);
    });

    it("counts the backlog per stream", () => {
      const outbox = make();
      const r1 = outbox.enqueue("readings", "r1", {});
      outbox.enqueue("readings", "r2", {});
      outbox.enqueue("events", "e1", {});
      expect(outbox.backlogCount()).toBe(3);
      expect(outbox.backlogByStream()).toEqual({ events: 1, readings: 2 });
      outbox.markDelivered([r1.id]);
      expect(outbox.backlogCount("readings")).toBe(1);
      expect(outbox.backlogCount("billing")).toBe(0);
      expect(outbox.backlogByStream()).toEqual({ events: 1, readings: 1 });
    });

    it("separates the backlog from live records by an id boundary", () => {
      const outbox = make();
      outbox.enqueue("readings", "old1", {});
      outbox.enqueue("readings", "old2", {});
      const boundary = outbox.lastId();
      outbox.enqueue("readings", "live1", {});
      const backlog = outbox.fetchUndelivered("readings", { limit: 10, upToId: boundary });
      const live = outbox.fetchUndelivered("readings", { limit: 10, afterId: boundary });
      expect(backlog.map((r) => r.key)).toEqual(["old1", "old2"]);
      expect(live.map((r) => r.key)).toEqual(["live1"]);
      expect(
        outbox.fetchUndelivered("readings", { limit: 10, afterId: backlog[0]!.id, upToId: boundary }),
      ).toEqual([backlog[1]]);
    });

    it("rejects empty names, unserialisable payloads and out-of-range limits alike", () => {
      const outbox = make();
      expect(() => outbox.enqueue("", "k", {})).toThrow();
      expect(() => outbox.enqueue("s", "", {})).toThrow();
      expect(() => outbox.enqueue("s", "k", undefined)).toThrow(/JSON/);
      for (const limit of [0, -1, 1.5, 10_001]) {
        expect(() => outbox.fetchUndelivered("s", { limit })).toThrow(/limit/);
      }
      expect(outbox.lastId()).toBe(0);
    });

    it("keeps every stream gapless and the backlog exact under any mix of operations", () => {
      type Op = { kind: "enqueue"; stream: string; key: number } | { kind: "deliver"; pick: number };
      const op = fc.oneof(
        fc.record({
          kind: fc.constant("enqueue" as const),
          stream: fc.constantFrom("a", "b", "c"),
          key: fc.nat(30),
        }),
        fc.record({ kind: fc.constant("deliver" as const), pick: fc.nat(40) }),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), (ops: Op[]) => {
          const outbox = make();
          const model = new Map<string, { stream: string; seq: number; id: number; delivered: boolean }>();
          const ids: number[] = [];
          for (const o of ops) {
            if (o.kind === "enqueue") {
              const key = `${o.stream}:${o.key}`;
              const r = outbox.enqueue(o.stream, key, { key });
              if (!model.has(key)) {
                model.set(key, { stream: o.stream, seq: r.seq, id: r.id, delivered: false });
                ids.push(r.id);
              }
            } else if (ids.length > 0) {
              const id = ids[o.pick % ids.length]!;
              outbox.markDelivered([id]);
              for (const m of model.values()) if (m.id === id) m.delivered = true;
            }
          }
          for (const stream of ["a", "b", "c"]) {
            const entries = [...model.values()].filter((m) => m.stream === stream);
            expect(entries.map((m) => m.seq)).toEqual(entries.map((_, i) => i + 1));
            const pending = entries.filter((m) => !m.delivered).map((m) => m.seq);
            expect(outbox.fetchUndelivered(stream, { limit: 1000 }).map((r) => r.seq)).toEqual(pending);
            expect(outbox.backlogCount(stream)).toBe(pending.length);
          }
        }),
        { numRuns: 50 },
      );
    });
  });
}
