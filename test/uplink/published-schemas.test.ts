/**
 * The published schemas (docs/schemas/) follow the compatibility policy of docs/mqtt.md section 1.1:
 * what the gateway sends is open to additions within contract v1 (new optional fields, event types,
 * billing kinds), so a consumer validating against them keeps working when a newer gateway adds them;
 * what the platform sends stays closed, because the gateway refuses unknown request fields. The files
 * are read as an integrator would and validated with zod's JSON Schema reader, not with our zod schemas.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { enqueueRecord } from "../../gateway/uplink/outbox-writer.ts";
import { TempStores } from "../helpers/store/temp-store.ts";

function published(name: string): z.ZodType {
  const text = readFileSync(new URL(`../../docs/schemas/${name}.schema.json`, import.meta.url), "utf8");
  return z.fromJSONSchema(JSON.parse(text) as Parameters<typeof z.fromJSONSchema>[0]);
}

const envelope = { v: 1, gatewayId: "site-01", seq: 7, key: "k-7", wallMs: 1, monoMs: 2, historical: false };
const event = {
  kind: "event",
  type: "bus.up",
  severity: "info",
  message: "bus up",
  data: { busId: "rs485-1" },
};
const adjustment = { kind: "adjustment", accountId: "A-1", amount: "5", balance: "15", reason: "seed" };

describe("published schemas of what the gateway sends", () => {
  it("accept an added optional field and a new event type, and still check known fields", () => {
    const events = published("stream.events");
    const known = { ...envelope, stream: "events", body: event };
    expect(events.safeParse(known).success).toBe(true);
    const added = { ...known, zone: "e-1", body: { ...event, type: "bus.renamed", zone: "north" } };
    expect(events.safeParse(added).success).toBe(true);
    expect(events.safeParse({ ...known, body: { ...event, severity: "fatal" } }).success).toBe(false);
    expect(events.safeParse({ ...known, seq: "7" }).success).toBe(false);
  });

  it("accept a new billing kind and an added field on a known kind, but not a known kind's wrong field", () => {
    const billing = published("stream.billing");
    const known = { ...envelope, stream: "billing", body: adjustment };
    expect(billing.safeParse({ ...known, body: { ...adjustment, note: "x" } }).success).toBe(true);
    expect(billing.safeParse({ ...known, body: { kind: "settlement", accountId: "A-1" } }).success).toBe(
      true,
    );
    expect(billing.safeParse({ ...known, body: { ...adjustment, amount: 5 } }).success).toBe(false);
  });

  it("accept a reading with a new quality flag, but not a reading without its meter", () => {
    const readings = published("stream.readings");
    const reading = { readingId: 1, meterId: "M-1", wallMs: 1, monoMs: 1, values: {}, quality: ["retried"] };
    const message = (r: object) => ({
      ...envelope,
      stream: "readings",
      body: { kind: "readings", readings: [r] },
    });
    expect(readings.safeParse(message(reading)).success).toBe(true);
    expect(readings.safeParse(message({ ...reading, quality: ["estimated"] })).success).toBe(true);
    expect(readings.safeParse(message({ ...reading, meterId: undefined })).success).toBe(false);
  });

  it("accept messages of a v1 gateway from before stream epochs, and check the epoch when it is there", () => {
    const events = published("stream.events");
    const current = { ...envelope, stream: "events", epoch: "9f1c3a5e7b2d4f60", body: event };
    expect(events.safeParse(current).success).toBe(true);
    expect(events.safeParse({ ...current, epoch: undefined }).success).toBe(true);
    expect(events.safeParse({ ...current, epoch: "E-1" }).success).toBe(false);
  });

  it("accept an added field in a response result and in the retained status", () => {
    const response = {
      v: 1,
      gatewayId: "site-01",
      transaction: "tx-00000001",
      wallMs: 1,
      command: "protect",
      status: "ok",
      result: { account: "A-1", on: true, until: null, since: 5 },
    };
    expect(published("response.protect").safeParse(response).success).toBe(true);
    const status = {
      v: 1,
      gatewayId: "site-01",
      state: "offline",
      reason: "shutdown",
      version: "1",
      wallMs: 1,
    };
    expect(published("status").safeParse({ ...status, site: "north" }).success).toBe(true);
  });
});

describe("schemas of what the platform sends", () => {
  it("stay closed: a request with an unknown field is refused", () => {
    const request = {
      transaction: "tx-00000001",
      gatewayId: "site-01",
      issuedAt: 1,
      expiresAt: 2,
      signature: "0".repeat(64),
      account: "A-1",
      on: false,
      reason: "released",
    };
    const schema = published("request.protect");
    expect(schema.safeParse(request).success).toBe(true);
    expect(schema.safeParse({ ...request, force: true }).success).toBe(false);
  });
});

describe("the gateway's own outbox writer", () => {
  const temp = new TempStores();
  afterEach(() => temp.cleanup());

  it("still refuses an unknown field and an unknown event type", () => {
    const store = temp.open();
    const extra = { ...event, zone: "north" } as unknown as Parameters<typeof enqueueRecord<"events">>[3];
    expect(() => enqueueRecord(store.outbox, "events", "e-1", extra)).toThrow(/invalid events record/);
    const renamed = { ...event, type: "bus.renamed" } as unknown as Parameters<
      typeof enqueueRecord<"events">
    >[3];
    expect(() => enqueueRecord(store.outbox, "events", "e-2", renamed)).toThrow(/invalid events record/);
    expect(store.outbox.backlogCount("events")).toBe(0);
  });
});
