/**
 * The three outbox streams on a real broker: every record arrives once per delivery, wrapped in a valid
 * envelope, with gapless per-stream seq; retained status and meter state; offline on clean shutdown.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { streamEnvelopeSchemas } from "../../gateway/uplink/envelope.ts";
import type { StreamName } from "../../gateway/uplink/records.ts";
import { meterStateSchema, statusSchema } from "../../gateway/uplink/retained-topics.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway, stopParts } from "../helpers/uplink/harness.ts";
import { addRecords } from "../helpers/uplink/records.ts";

let broker: MosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

const streams: StreamName[] = ["readings", "billing", "events"];
const seqs = (p: Platform, stream: StreamName) => p.on(stream).map((m) => m.payload["seq"]);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("uplink streams", () => {
  it("delivers readings, billing and events with gapless seq, valid envelopes and the historical flag", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    gateway = await startGateway({
      url: broker.url,
      before: (store) => streams.forEach((s) => addRecords(store, s, 5)), // made before connecting
    });
    await platform.until(() => streams.every((s) => platform!.on(s).length === 5), "backlog of 5 per stream");
    for (const s of streams) addRecords(gateway.store, s, 20);
    gateway.uplink.outboxChanged();
    await platform.until(() => streams.every((s) => platform!.on(s).length === 25), "25 records per stream");

    for (const stream of streams) {
      expect(seqs(platform, stream)).toEqual(range(25));
      const envelopes = platform.on(stream).map((m) => streamEnvelopeSchemas[stream].parse(m.payload));
      expect(envelopes.map((e) => e.historical)).toEqual([
        ...Array<boolean>(5).fill(true),
        ...Array<boolean>(20).fill(false),
      ]);
      expect(new Set(envelopes.map((e) => e.key)).size).toBe(25);
      expect(envelopes.every((e) => e.gatewayId === "gw-test" && e.v === 1)).toBe(true);
      expect(platform.on(stream).every((m) => !m.retain)).toBe(true);
    }
    await platform.until(() => gateway!.store.outbox.backlogCount() === 0, "every record marked delivered");
  });

  it("publishes retained status and meter state, and offline on clean shutdown", async () => {
    broker = await startMosquitto();
    gateway = await startGateway({ url: broker.url });
    gateway.uplink.publishMeterState("M-1", {
      wallMs: Date.now(),
      online: true,
      lastSeenMs: Date.now(),
      reading: { readingId: 7, wallMs: Date.now(), values: { importEnergyWh: 1234 } },
      accountId: "A-1",
      balance: "95.50",
      moneyState: "normal",
      relay: "closed",
    });
    gateway.uplink.publishMeterState("M-1", {
      wallMs: Date.now(),
      online: false,
      lastSeenMs: null,
      reading: null,
      accountId: null,
      balance: null,
      moneyState: null,
      relay: "unknown",
    });
    // A late subscriber sees retained messages only: the latest state and the online status.
    platform = await Platform.connect(broker.url);
    await platform.until(
      () => platform!.on("status").length > 0 && platform!.on("meters/M-1/state").length > 0,
      "retained",
    );
    const status = statusSchema.parse(platform.on("status")[0]!.payload);
    expect(status).toMatchObject({
      state: "online",
      version: "0.0.0-test",
      meters: { total: 2, online: 2, offline: 0 },
    });
    expect(platform.on("status")[0]!.retain).toBe(true);
    const states = platform.on("meters/M-1/state").map((m) => meterStateSchema.parse(m.payload));
    expect(states.at(-1)).toMatchObject({ meterId: "M-1", online: false, relay: "unknown" });

    await gateway.stop();
    gateway = undefined;
    await platform.until(
      () => platform!.on("status").at(-1)?.payload["state"] === "offline",
      "offline status",
    );
    expect(platform.on("status").at(-1)!.payload).toMatchObject({ state: "offline", reason: "shutdown" });
    const late = await Platform.connect(broker.url);
    await late.until(() => late.on("status").length > 0, "retained offline");
    expect(late.on("status")[0]!.payload).toMatchObject({ state: "offline", reason: "shutdown" });
    await late.close();
  });

  it("the retained status names the contract version, its commands, streams and schemas", async () => {
    broker = await startMosquitto();
    gateway = await startGateway({ url: broker.url });
    platform = await Platform.connect(broker.url);
    await platform.until(() => platform!.on("status").length > 0, "retained status");
    const status = platform.on("status")[0]!.payload;
    expect(status["contract"]).toEqual({
      version: 1,
      schemas: "https://meter-gateway.example/schemas/v1/",
      streams: ["readings", "billing", "events", "requests"],
      commands: [
        "topup",
        "relay",
        "relay.forward",
        "protect",
        "account.set",
        "tariff.set",
        "anomaly.resolve",
        "meter.replace.confirm",
        "meter.read",
        "time.check",
        "config.get",
        "close-not-allowed",
        "history",
        "terminal.message",
        "terminal.answer",
        "account.open",
        "account.close",
        "account.get",
        "adjustment",
        "refund",
      ],
    });
    // The published schema at that location admits it.
    const file = new URL("../../docs/schemas/status.schema.json", import.meta.url);
    const published = JSON.parse(readFileSync(file, "utf8")) as { $id: string };
    expect(published.$id).toBe("https://meter-gateway.example/schemas/v1/status.schema.json");
    expect(z.fromJSONSchema(published).safeParse(status).success).toBe(true);
  });
});
