/**
 * Child process for the crash-safety test: writes poll batches in a tight loop and prints each batch
 * number to stdout only after its transaction committed (stdout to a pipe is synchronous on Linux, so a
 * printed number means "committed before the print"). The parent SIGKILLs it at arbitrary points.
 *
 * Usage: node --import tsx crash-writer.ts <dataDir> <readingsPerBatch>
 */
import { SystemClock } from "../../../core/clock.ts";
import { openStore } from "../../../gateway/store/store.ts";

const [dataDir, perBatchArg] = process.argv.slice(2);
if (dataDir === undefined) throw new Error("usage: crash-writer.ts <dataDir> <readingsPerBatch>");
const perBatch = Number(perBatchArg ?? "200");
const clock = new SystemClock();
const store = openStore({ dataDir, clock });

let batch = Number(store.kv.get("crash.lastBatch") ?? 0);
for (;;) {
  batch++;
  const n = batch;
  store.transaction((tx) => {
    const ids = tx.readings.insertBatch(
      Array.from({ length: perBatch }, (_, i) => ({
        meterId: `batch-${n}`,
        atMs: clock.now(),
        monoMs: clock.monotonicMs(),
        energyWh: i,
      })),
    );
    const { id } = tx.outbox.enqueue("readings", `batch-${n}`, { batch: n, count: ids.length });
    tx.readings.linkOutbox(ids, id);
    tx.kv.set("crash.lastBatch", n);
  });
  process.stdout.write(`${n}\n`);
}
