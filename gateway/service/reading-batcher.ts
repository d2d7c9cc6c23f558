/**
 * Collects readings into batches, so each batch is one SQLite transaction: with synchronous=FULL every
 * commit waits for the disk, and one commit per reading would cap the gateway at a few hundred readings
 * a second (measured by `npm run bench`, figure 2). A batch ends after `windowMs` of the injected clock or
 * at `maxBatch` readings, whichever comes first.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Reading } from "../metering/reading.ts";

export class ReadingBatcher {
  private batch: Reading[] = [];
  private timer: TimerHandle | undefined;

  /**
   * @param windowMs longest a reading waits before it is stored, ms (1..5000); default 200
   * @param maxBatch readings per transaction at most (1..10000); default 1000
   */
  constructor(
    private readonly clock: Clock,
    private readonly sink: (batch: Reading[]) => void,
    private readonly windowMs = 200,
    private readonly maxBatch = 1000,
  ) {}

  push(reading: Reading): void {
    this.batch.push(reading);
    if (this.batch.length >= this.maxBatch) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), this.windowMs);
  }

  /** Hands over what is collected now (also at shutdown). */
  flush(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.sink(batch);
  }
}
