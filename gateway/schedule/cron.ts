/**
 * Cron schedules in the gateway's time zone, fired by the injected Clock: node-cron parses and matches
 * the expressions (including the time zone), our Clock decides when a minute has come. So schedules run
 * on accelerated time in the demo and on a ManualClock in tests, without sleeping.
 */
import { createTask, validate } from "node-cron";
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";

export interface CronJob {
  name: string;
  /** Five-field cron expression, evaluated in the gateway time zone, e.g. "0 0 * * *". */
  expression: string;
  /** Runs with the wall-clock minute it was due for, epoch ms. */
  run(dueAtMs: number): void | Promise<void>;
}

interface Entry {
  job: CronJob;
  matches: (date: Date) => boolean;
  busy: boolean;
}

export class ClockCron {
  private readonly entries: Entry[] = [];
  private timer: TimerHandle | undefined;
  private lastMinuteMs = -1;

  constructor(
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly logger: Logger,
  ) {}

  add(job: CronJob): void {
    if (!validate(job.expression))
      throw new Error(`schedule ${job.name}: '${job.expression}' is not a cron expression`);
    const task = createTask(job.expression, () => {}, { timezone: this.timeZone, name: job.name });
    this.entries.push({ job, matches: (date) => task.match(date), busy: false });
  }

  start(): void {
    this.arm();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const now = this.clock.now();
    const next = Math.floor(now / 60_000) * 60_000 + 60_000;
    this.timer = this.clock.setTimeout(() => this.fire(), next - now);
  }

  private fire(): void {
    const minute = Math.floor(this.clock.now() / 60_000) * 60_000;
    // A wall clock stepped back by NTP must not run the same minute's jobs twice.
    if (minute > this.lastMinuteMs) {
      this.lastMinuteMs = minute;
      const date = new Date(minute);
      for (const entry of this.entries) if (entry.matches(date)) this.run(entry, minute);
    }
    this.arm();
  }

  private run(entry: Entry, dueAtMs: number): void {
    if (entry.busy) {
      this.logger.warn({ job: entry.job.name }, "schedule skipped: the previous run has not finished");
      return;
    }
    const fail = (error: unknown) =>
      this.logger.error({ err: error, job: entry.job.name }, "scheduled job failed");
    let result: void | Promise<void>;
    try {
      result = entry.job.run(dueAtMs);
    } catch (error) {
      fail(error);
      return;
    }
    if (result instanceof Promise) {
      entry.busy = true;
      result.catch(fail).finally(() => {
        entry.busy = false;
      });
    }
  }
}
