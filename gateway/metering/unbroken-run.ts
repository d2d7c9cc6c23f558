/**
 * The requests of one reading must all be answered by one physical meter. The scheduler retries each
 * request on its own, so a meter that goes silent in the middle of a reading and answers the retry
 * may be another meter by then (unplugged and swapped; a power cycle): the values read before the
 * silence and those read after it would come from two meters. That once paired the old meter's
 * energy register with the new meter's serial number, and the replacement was raised with the old
 * register as the new meter's baseline (issue 10). A driver reads through this transactor and, when
 * the run is broken, reads the whole reading again.
 */
import type { BusLink, Transactor } from "../bus/scheduler.ts";

export class UnbrokenRun<Link extends BusLink> implements Transactor<Link> {
  private answered = false;
  private brokenOff = false;

  /** @param tx the job's transactor; each exchange goes through it with its timeout and retries */
  constructor(private readonly tx: Transactor<Link>) {}

  get retried(): boolean {
    return this.tx.retried;
  }

  /**
   * True once a request needed more than one attempt after an earlier request of this run had been
   * answered: the meter broke off between two answers. A retry of the first request breaks nothing,
   * since nothing had been read yet.
   */
  get broken(): boolean {
    return this.brokenOff;
  }

  async transact<R>(exchange: (link: Link, timeoutMs: number) => Promise<R>): Promise<R> {
    let attempts = 0;
    const result = await this.tx.transact((link, timeoutMs) => {
      attempts += 1;
      return exchange(link, timeoutMs);
    });
    if (attempts > 1 && this.answered) this.brokenOff = true;
    this.answered = true;
    return result;
  }
}
