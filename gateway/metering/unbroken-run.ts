/**
 * The requests of one reading must all be answered by one physical meter. The scheduler retries each
 * request on its own, so a meter that goes silent in the middle of a reading and answers the retry
 * may be another meter by then (unplugged and swapped; a power cycle): the values read before the
 * silence and those read after it would come from two meters. That once paired the old meter's
 * energy register with the new meter's serial number, and the replacement was raised with the old
 * register as the new meter's baseline (issue 10). A driver notes each answered request here and, when
 * the run is broken, reads the whole reading again.
 */
export class UnbrokenRun {
  private answered = false;
  private brokenOff = false;

  /**
   * True once a request needed more than one attempt after an earlier request of this run had been
   * answered: the meter broke off between two answers. A retry of the first request breaks nothing,
   * since nothing had been read yet.
   */
  get broken(): boolean {
    return this.brokenOff;
  }

  /**
   * Notes one answered request of the run and the attempts it took (the job's Transactor.attempts
   * right after it: no wrapper around each exchange, which ran for every request of every poll).
   */
  answeredAfter(attempts: number): void {
    if (attempts > 1 && this.answered) this.brokenOff = true;
    this.answered = true;
  }
}
