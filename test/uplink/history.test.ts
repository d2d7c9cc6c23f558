/**
 * `request/history` on a real broker and a real SQLite file (docs/mqtt.md 6.3): once the broker has
 * acknowledged a record, only the gateway's store holds it besides the platform's session. A history
 * answer republishes a stored range on the stream's own topic, flagged historical, with the original
 * epoch, key and seq; it says which seqs retention has deleted; it is rate-limited and never holds up
 * live records.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../gateway/store/index.ts";
import type { StreamEnvelope } from "../../gateway/uplink/envelope.ts";
import { enqueueRecord } from "../../gateway/uplink/outbox-writer.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import { Platform } from "../helpers/platform.ts";
import { signedRequest } from "../helpers/uplink/fixtures.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { startGateway, stopParts } from "../helpers/uplink/harness.ts";
import { addRecords } from "../helpers/uplink/records.ts";

let broker: MosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

function balances(store: Store, count: number): void {
  store.transaction(() => {
    for (let n = 1; n <= count; n++) {
      enqueueRecord(store.outbox, "billing", `balance:A-1:${n}`, {
        kind: "balance",
        accountId: "A-1",
        balance: `${1000 - n}.50`,
        moneyState: "normal",
      });
    }
  });
}

const billing = (p: Platform) =>
  p.on("billing").map((m) => m.payload as unknown as StreamEnvelope<"billing">);

async function started(
  count: number,
): Promise<{ gateway: GatewayUnderTest; platform: Platform; epoch: string }> {
  broker = await startMosquitto();
  platform = await Platform.connect(broker.url);
  gateway = await startGateway({ url: broker.url, before: (store) => balances(store, count) });
  await platform.until(() => gateway!.store.outbox.backlogCount() === 0, "every record acknowledged", 20_000);
  // The broker acknowledges a record before it has delivered it to every subscriber.
  await platform.until(() => billing(platform!).length >= count, "every record received", 20_000);
  return { gateway, platform, epoch: gateway.store.streamEpochs.list()[0]!.epoch };
}

const history = (params: Record<string, unknown>) => signedRequest("history", params, { nowMs: Date.now() });

describe("request/history", () => {
  it("republishes a stored range with its original epoch, key and seq, and names what retention deleted", async () => {
    const { gateway, platform, epoch } = await started(30);
    const originals = billing(platform);
    expect(originals.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Retention deletes the 5 oldest acknowledged records (as the hourly job does past 30 days).
    const delivered = gateway.store.db.prepare("SELECT count(*) FROM outbox").pluck().get() as number;
    gateway.store.applyRetention({ outboxMaxDelivered: delivered - 5 });

    const response = await platform.request(
      "history",
      history({ stream: "billing", epoch, fromSeq: 1, toSeq: 40 }),
    );
    expect(response).toMatchObject({
      status: "ok",
      result: {
        stream: "billing",
        epoch,
        fromSeq: 1,
        toSeq: 40,
        firstSeq: 1,
        lastSeq: 30,
        republished: [{ fromSeq: 6, toSeq: 30 }],
        gone: [{ fromSeq: 1, toSeq: 5 }],
        count: 25,
      },
    });
    await platform.until(() => billing(platform).length === 55, "25 records republished");
    const again = billing(platform).slice(30);
    expect(again.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    for (const record of again) {
      const original = originals[record.seq - 1]!;
      expect(record).toEqual({ ...original, historical: true });
    }
  });

  it("refuses an epoch the database does not have, and a range of more than 1000", async () => {
    const { platform, epoch } = await started(1);
    const unknown = await platform.request(
      "history",
      history({ stream: "events", epoch: "00000000deadbeef", fromSeq: 1, toSeq: 10 }),
    );
    expect(unknown).toMatchObject({ status: "error", code: "UNKNOWN_EPOCH", details: { epochs: [epoch] } });
    const tooMany = await platform.request(
      "history",
      history({ stream: "billing", epoch, fromSeq: 1, toSeq: 1001 }),
    );
    expect(tooMany).toMatchObject({ status: "error", code: "SCHEMA" });
  });

  it("answers 6 requests a minute, then refuses with retry-after", async () => {
    const { platform, epoch } = await started(1);
    // Ranges past the last seq: answered, nothing to republish, so only the request budget counts.
    for (let i = 0; i < 6; i++) {
      const ok = await platform.request(
        "history",
        history({ stream: "billing", epoch, fromSeq: 50, toSeq: 60 }),
      );
      expect(ok).toMatchObject({ status: "ok", result: { republished: [], gone: [], lastSeq: 1, count: 0 } });
    }
    const refused = await platform.request(
      "history",
      history({ stream: "billing", epoch, fromSeq: 50, toSeq: 60 }),
    );
    expect(refused).toMatchObject({
      status: "error",
      code: "HISTORY_RATE_LIMITED",
      details: { bucketSize: 6, refillPerMinute: 6, inProgress: 0 },
    });
    const retryAfterMs = (refused as unknown as { details: { retryAfterMs: number } }).details.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it("a long answer leaves live records unhindered, and a second request meanwhile is refused", async () => {
    const { gateway, platform, epoch } = await started(1000);
    const first = await platform.request(
      "history",
      history({ stream: "billing", epoch, fromSeq: 1, toSeq: 1000 }),
    );
    expect(first).toMatchObject({ status: "ok", result: { count: 1000 } });
    const second = await platform.request(
      "history",
      history({ stream: "billing", epoch, fromSeq: 1, toSeq: 10 }),
    );
    expect(second).toMatchObject({ status: "error", code: "HISTORY_RATE_LIMITED" });
    const { retryAfterMs, inProgress } = (
      second as unknown as { details: { retryAfterMs: number; inProgress: number } }
    ).details;
    expect(inProgress).toBeGreaterThan(0);
    expect(retryAfterMs).toBeGreaterThan(0);

    addRecords(gateway.store, "events", 1, "live");
    gateway.uplink.outboxChanged();
    await platform.until(
      () => platform.on("events").some((m) => m.payload["historical"] === false),
      "live record",
    );
    const republishedSoFar = billing(platform).length - 1000;
    expect(republishedSoFar).toBeLessThan(1000);
    await platform.until(() => billing(platform).length === 2000, "1000 records republished", 20_000);
  }, 40_000);
});
