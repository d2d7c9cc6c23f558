/**
 * Stream epochs on a real broker and real SQLite files (docs/mqtt.md 3.1, 3.2): a gateway whose database
 * is replaced under the same gateway id, or restored from an older backup, numbers its records again;
 * their keys must never collide with what the platform already holds, and the gateway must say so.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../gateway/store/index.ts";
import { streamEnvelopeSchemas } from "../../gateway/uplink/envelope.ts";
import { enqueueRecord } from "../../gateway/uplink/outbox-writer.ts";
import { statusSchema } from "../../gateway/uplink/retained-topics.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto, tempDir } from "../helpers/index.ts";
import { Platform } from "../helpers/platform.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { startGateway, stopParts } from "../helpers/uplink/harness.ts";

let broker: MosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

/** Billing records whose keys a database makes again after it was replaced (purchase counts restart). */
function topups(store: Store, from: number, to: number): void {
  store.transaction(() => {
    for (let n = from; n <= to; n++) {
      enqueueRecord(store.outbox, "billing", `topup:A-1:${n}`, {
        kind: "topup",
        status: "applied",
        accountId: "A-1",
        purchaseSeq: n,
        paymentRef: `PAY-${n}`,
        amountFen: 1000,
        balance: `${100 + 10 * n}`,
        source: "uplink",
      });
    }
  });
}

const billing = (p: Platform) => p.on("billing").map((m) => streamEnvelopeSchemas.billing.parse(m.payload));
const events = (p: Platform, type: string) =>
  p.on("events").filter((m) => (m.payload["body"] as { type?: string }).type === type);

async function delivered(store: Store): Promise<void> {
  await platform!.until(() => store.outbox.backlogCount() === 0, "every record acknowledged");
}

describe("stream epochs", () => {
  it("a replaced database publishes in a new epoch: keys do not collide and the gateway says it is new", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    gateway = await startGateway({ url: broker.url, before: (store) => topups(store, 1, 3) });
    await delivered(gateway.store);
    await gateway.stop();
    const first = billing(platform);
    const oldEpoch = first[0]!.epoch;
    expect(first.map((e) => [e.epoch, e.seq, e.key])).toEqual([
      [oldEpoch, 1, `${oldEpoch}:topup:A-1:1`],
      [oldEpoch, 2, `${oldEpoch}:topup:A-1:2`],
      [oldEpoch, 3, `${oldEpoch}:topup:A-1:3`],
    ]);
    const offline = statusSchema.parse(platform.on("status").at(-1)!.payload);
    expect(offline).toMatchObject({ state: "offline", epoch: oldEpoch, ackedSeq: { billing: 3 } });

    // A new SD card: an empty database under the same gateway id makes the same purchases again.
    gateway = await startGateway({ url: broker.url, before: (store) => topups(store, 1, 2) });
    await delivered(gateway.store);
    const second = billing(platform).slice(3);
    const newEpoch = gateway.store.streamEpochs.list()[0]!.epoch;
    expect(newEpoch).not.toBe(oldEpoch);
    expect(second.map((e) => [e.epoch, e.seq])).toEqual([
      [newEpoch, 1],
      [newEpoch, 2],
    ]);
    // Deduplicating by key as documented keeps every record of both databases.
    expect(new Set(billing(platform).map((e) => e.key)).size).toBe(5);
    const [replaced] = events(platform, "stream.database-replaced");
    expect(replaced!.payload).toMatchObject({
      epoch: newEpoch,
      body: {
        severity: "warning",
        data: { epoch: newEpoch, previousEpoch: oldEpoch, previousAckedSeq: { billing: 3 } },
      },
    });
    await platform.until(
      () => platform!.on("status").at(-1)?.payload["epoch"] === newEpoch,
      "status names the new epoch",
    );
  });

  it("a restored backup keeps its records' epoch and numbers the records it makes in a new one", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    gateway = await startGateway({ url: broker.url, before: (store) => topups(store, 1, 3) });
    await delivered(gateway.store);
    const backupFile = join((await tempDir("epoch-backup-")).path, "gateway.db");
    gateway.store.backup(backupFile);
    topups(gateway.store, 4, 6);
    gateway.uplink.outboxChanged();
    await delivered(gateway.store);
    await gateway.stop();
    const oldEpoch = billing(platform)[0]!.epoch;
    expect(billing(platform).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);

    // The backup goes back in place; the gateway makes top-ups 4 and 5 again (other payments) before it connects.
    const restoredDir = (await tempDir("epoch-restored-")).path;
    copyFileSync(backupFile, join(restoredDir, "gateway.db"));
    gateway = await startGateway({
      url: broker.url,
      dataDir: restoredDir,
      before: (store) => topups(store, 4, 5),
    });
    await delivered(gateway.store);
    const epochs = gateway.store.streamEpochs.list();
    expect(epochs.map((e) => e.epoch)).toEqual([oldEpoch, expect.any(String)]);
    const newEpoch = epochs[1]!.epoch;
    const again = billing(platform).slice(6);
    expect(again.map((e) => [e.epoch, e.seq, e.key])).toEqual([
      [newEpoch, 4, `${newEpoch}:topup:A-1:4`],
      [newEpoch, 5, `${newEpoch}:topup:A-1:5`],
    ]);
    expect(new Set(billing(platform).map((e) => e.key)).size).toBe(8);
    const [restored] = events(platform, "stream.database-restored");
    expect(restored!.payload).toMatchObject({ epoch: newEpoch, body: { severity: "critical" } });
    expect((restored!.payload["body"] as { data: unknown }).data).toMatchObject({
      epoch: newEpoch,
      restoredEpoch: oldEpoch,
      previousEpoch: oldEpoch,
      behind: [{ stream: "billing", databaseSeq: 5, publishedSeq: 6 }],
      firstSeq: { billing: 4 },
    });
  });

  it("a gateway restarted on its own database stays in its epoch and raises nothing", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    gateway = await startGateway({ url: broker.url, before: (store) => topups(store, 1, 2) });
    await delivered(gateway.store);
    const dataDir = gateway.dataDir;
    await gateway.stop();
    gateway = await startGateway({ url: broker.url, dataDir, before: (store) => topups(store, 3, 3) });
    await delivered(gateway.store);
    const all = billing(platform);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(new Set(all.map((e) => e.epoch)).size).toBe(1);
    expect(gateway.store.streamEpochs.list()).toHaveLength(1);
    expect(
      platform
        .on("events")
        .filter((m) => String((m.payload["body"] as { type: string }).type).startsWith("stream.")),
    ).toEqual([]);
  });
});
