/** Valid outbox records of each stream, for filling a gateway's outbox in tests. */
import type { Store } from "../../../gateway/store/index.ts";
import { enqueueRecord } from "../../../gateway/uplink/outbox-writer.ts";
import type { StreamName } from "../../../gateway/uplink/records.ts";

let unique = 0;

/** Enqueues `count` records on `stream` in one unit of work; keys start with `prefix`. */
export function addRecords(store: Store, stream: StreamName, count: number, prefix: string = stream): void {
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const n = ++unique;
      const key = `${prefix}-${process.pid}-${n}`;
      if (stream === "readings") {
        enqueueRecord(store.outbox, "readings", key, {
          kind: "readings",
          readings: [
            {
              readingId: n,
              meterId: "M-1",
              wallMs: Date.now(),
              monoMs: n,
              values: { importEnergyWh: n * 10 },
              quality: [],
            },
          ],
        });
      } else if (stream === "billing") {
        enqueueRecord(store.outbox, "billing", key, {
          kind: "balance",
          accountId: "A-1",
          balance: `${100 - (n % 50)}.25`,
          moneyState: "normal",
        });
      } else {
        enqueueRecord(store.outbox, "events", key, {
          kind: "event",
          type: "meter.online",
          severity: "info",
          meterId: "M-1",
          message: `meter M-1 answered (${n})`,
          data: { n },
        });
      }
    }
  });
}
