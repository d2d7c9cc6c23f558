/**
 * Fills an outbox with a backlog of reading records shaped like the ones the prepaid engine enqueues
 * (one reading of a generic-prepaid meter per record), in transactions of 5000.
 */
import type { Store } from "../../gateway/store/index.ts";
import { enqueueRecord } from "../../gateway/uplink/outbox-writer.ts";

/** The values one generic-prepaid poll decodes. */
export function sampleValues(n: number): Record<string, number> {
  return {
    voltageV: 229.8,
    currentA: 8.7,
    powerW: 1999.3,
    powerFactor: 0.98,
    frequencyHz: 50.01,
    importEnergyWh: 1_000_000 + n * 10,
    exportEnergyWh: 0,
    totalEnergyWh: 1_000_000 + n * 10,
    serialNumber: 10_000_001,
  };
}

/** Enqueues `count` reading records; keys are `<prefix>-<n>`. Returns the ms it took. */
export function seedBacklog(store: Store, count: number, prefix = "seed"): number {
  const started = performance.now();
  const perTransaction = 5000;
  for (let done = 0; done < count; done += perTransaction) {
    const end = Math.min(count, done + perTransaction);
    store.transaction(() => {
      for (let n = done; n < end; n++) {
        enqueueRecord(store.outbox, "readings", `${prefix}-${n}`, {
          kind: "readings",
          readings: [
            {
              readingId: n + 1,
              meterId: `M-${n % 1000}`,
              wallMs: Date.now(),
              monoMs: n,
              values: sampleValues(n),
              quality: [],
            },
          ],
        });
      }
    });
  }
  return performance.now() - started;
}
