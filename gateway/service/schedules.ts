/**
 * The gateway's calendar (in the gateway's time zone): the daily freeze at 00:00, the monthly
 * settlement, retention every hour and the daily backup at 03:30.
 */
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import { ClockCron } from "../schedule/cron.ts";
import { backup, defaultRetention, freeze } from "../schedule/jobs.ts";
import type { Store } from "../store/index.ts";

export interface SchedulesDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  /** IANA time zone of the calendar, e.g. Asia/Shanghai. */
  readonly timezone: string;
  /** Where backups go (beside the database). */
  readonly dataDir: string;
  /** Meter -> account of the settings in force, read when a freeze runs. */
  readonly meterAccount: () => ReadonlyMap<string, string>;
}

export class Schedules {
  private cron: ClockCron | undefined;

  constructor(private readonly deps: SchedulesDeps) {}

  start(): void {
    const { clock, logger, store, timezone, dataDir, meterAccount } = this.deps;
    const cron = new ClockCron(clock, timezone, logger);
    cron.add({
      name: "daily freeze",
      expression: "0 0 * * *",
      run: (at) => void freeze(store, meterAccount(), timezone, at, "daily"),
    });
    cron.add({
      name: "monthly settlement",
      expression: "0 0 1 * *",
      run: (at) => void freeze(store, meterAccount(), timezone, at, "monthly"),
    });
    cron.add({
      name: "retention",
      expression: "17 * * * *",
      run: () => {
        const removed = store.applyRetention(defaultRetention);
        logger.info(removed, "retention applied");
      },
    });
    cron.add({
      name: "backup",
      expression: "30 3 * * *",
      run: (at) => void backup(store, dataDir, at, 7, logger),
    });
    this.cron = cron;
    cron.start();
  }

  stop(): void {
    this.cron?.stop();
  }
}
