/**
 * Collects the readings that complete in the same turn of the event loop (one poll sweep) and hands
 * them over as one batch, so each batch is one SQLite transaction. No timer: the batch ends when the
 * current I/O callbacks have run, or at `maxBatch` readings.
 */
import type { Reading } from "../metering/reading.ts";

export class ReadingBatcher {
  private batch: Reading[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly sink: (batch: Reading[]) => void,
    private readonly maxBatch = 500,
  ) {}

  push(reading: Reading): void {
    this.batch.push(reading);
    if (this.batch.length >= this.maxBatch) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Hands over what is collected now (also at shutdown). */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.sink(batch);
  }
}
