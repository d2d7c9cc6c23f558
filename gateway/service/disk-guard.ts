/**
 * Keeps billing going on a full disk and says so. SQLite only reuses its WAL, so a full disk keeps the
 * space the WAL holds for good; and whatever else the gateway frees is taken by whoever filled the disk.
 * So the guard:
 * - holds a reserve file (disk-reserve.ts), grown while there is room;
 * - when storing a batch fails for lack of space: gives back most of the reserve, checkpoints and
 *   truncates the WAL (`PRAGMA wal_checkpoint(TRUNCATE)`), records a critical `disk.full` event, and
 *   tries the batch once more;
 * - keeps a small part of the reserve for a start on the full disk (lock file, shared memory, the
 *   alert), released only then, so a restart does not exit and loop under systemd;
 * - once space returns, takes the reserve back and records `disk.ok`. Readings that could not be
 *   stored are not lost money: the meter's register kept counting, and the next stored reading charges
 *   the whole movement since the last stored one, exactly once.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import { DiskReserve, isDiskFullError } from "./disk-reserve.ts";
import { freeDiskBytes } from "./host.ts";
import { diskBackMessage, diskFullMessage, recordDiskEvent } from "./disk-events.ts";

const MiB = 1024 * 1024;

/** Below this much free space a start releases the whole reserve: lock, WAL index and alert need it. */
const startNeedBytes = 1 * MiB;
/** Part of the reserve kept for a start on the full disk, bytes (at most a quarter of the reserve). */
const startPartBytes = 512 * 1024;
/** Room beyond the reserve before the disk counts as usable again, bytes. */
const resumeMarginBytes = 1 * MiB;
/** Fewest ms between two WAL checkpoints while the disk is full (each one rewrites pages). */
const checkpointGapMs = 5000;
/** Fewest ms between two log lines about batches that could not be stored. */
const logGapMs = 60_000;

/** What the guard knows, for /status and /healthz. */
export interface DiskSnapshot {
  readonly dataDir: string;
  readonly state: "ok" | "full";
  /** Wall ms when the disk was found full; null when it is not. */
  readonly fullSinceMs: number | null;
  /** Free bytes on the data directory's file system now; null when it cannot be read. */
  readonly freeBytes: number | null;
  /** Bytes the reserve file holds now. */
  readonly reserveBytes: number;
  /** Readings that could not be stored since the disk filled (their energy is charged later). */
  readonly readingsNotStored: number;
}

export interface DiskGuardOptions {
  readonly dataDir: string;
  /** Reserve to hold, bytes: 0..1 GiB (0: none). */
  readonly reserveBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often space is looked at, ms: 100..600000, default 2000. */
  readonly checkEveryMs?: number;
  /** Free bytes on the file system of a directory; default statfs. */
  readonly freeBytes?: (dir: string) => number;
}

export class DiskGuard {
  private readonly reserve: DiskReserve;
  private store: Store | undefined;
  private timer: TimerHandle | undefined;
  private fullSinceMs: number | undefined;
  private readingsNotStored = 0;
  private lastCheckpointMono = Number.NEGATIVE_INFINITY;
  private lastLogMono = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: DiskGuardOptions) {
    this.reserve = new DiskReserve(options.dataDir, options.reserveBytes);
  }

  /**
   * Takes the data directory's lock. When writing it fails for lack of space, nobody else holds the lock
   * (the file was just created), so the whole reserve is given back and the lock taken again.
   */
  lock<T>(acquire: () => T): T {
    try {
      return acquire();
    } catch (error) {
      if (!isDiskFullError(error)) throw error;
      this.releaseForStart(this.free() ?? 0);
      return acquire();
    }
  }

  /** With the lock held, before the database opens: on a full disk, gives back the whole reserve. */
  prepareStart(): void {
    const free = this.free();
    if (free !== undefined && free < startNeedBytes) this.releaseForStart(free);
  }

  private releaseForStart(free: number): void {
    if (this.fullSinceMs !== undefined) return;
    const released = this.reserve.release(0);
    this.fullSinceMs = this.options.clock.now();
    this.options.logger.error(
      { dataDir: this.options.dataDir, freeBytes: free, releasedBytes: released },
      `disk full: starting with ${free} bytes free in ${this.options.dataDir}; released the ${released}-byte reserve`,
    );
  }

  /**
   * Runs a start step (lock file, database open). Failing for lack of space even after
   * {@link prepareStart} (no reserve was held) becomes one plain error naming the directory.
   * @param what what the step makes, for the message: "the lock file", "the database"
   */
  startStep<T>(what: string, step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (!isDiskFullError(error)) throw error;
      const free = this.free();
      throw new GatewayError(
        ErrorCode.DiskFull,
        `disk full: cannot open ${what} in ${this.options.dataDir} (${free ?? "?"} bytes free); free space on this disk`,
        { dataDir: this.options.dataDir, freeBytes: free ?? null },
        { cause: error },
      );
    }
  }

  /** With the store open: records the alert of a full start, grows the reserve, starts watching. */
  attach(store: Store): void {
    this.store = store;
    if (this.fullSinceMs !== undefined) this.record("disk.full", diskFullMessage(this.options.dataDir, 0));
    else this.takeReserve();
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Runs `write` (one unit of work). When it fails for lack of space, makes room (reserve, WAL) and runs
   * it once more. Returns false when it still could not be stored for lack of space (counted as
   * `readings` not stored); any other error is thrown.
   */
  write(write: () => void, readings: number): boolean {
    try {
      write();
      return true;
    } catch (error) {
      if (!isDiskFullError(error)) throw error;
      this.makeRoom();
    }
    try {
      write();
      return true;
    } catch (error) {
      if (!isDiskFullError(error)) throw error;
      this.readingsNotStored += readings;
      this.logNotStored();
      return false;
    }
  }

  snapshot(): DiskSnapshot {
    return {
      dataDir: this.options.dataDir,
      state: this.fullSinceMs === undefined ? "ok" : "full",
      fullSinceMs: this.fullSinceMs ?? null,
      freeBytes: this.free() ?? null,
      reserveBytes: this.reserve.heldBytes(),
      readingsNotStored: this.readingsNotStored,
    };
  }

  /** First failure: most of the reserve back, the WAL truncated, the alert. Later: the WAL only. */
  private makeRoom(): void {
    if (this.fullSinceMs === undefined) {
      this.fullSinceMs = this.options.clock.now();
      const keep = Math.min(startPartBytes, Math.floor(this.options.reserveBytes / 4));
      const released = this.reserve.release(keep);
      this.checkpoint(true);
      this.options.logger.error(
        { dataDir: this.options.dataDir, releasedBytes: released },
        `disk full in ${this.options.dataDir}: released ${released} bytes of the reserve and truncated the WAL`,
      );
      this.record("disk.full", diskFullMessage(this.options.dataDir, released));
      return;
    }
    this.checkpoint(false);
  }

  private checkpoint(force: boolean): void {
    const now = this.options.clock.monotonicMs();
    if (!force && now - this.lastCheckpointMono < checkpointGapMs) return;
    this.lastCheckpointMono = now;
    try {
      this.store?.checkpointTruncate();
    } catch (error) {
      // The database file may need to grow to take the WAL's pages; the next attempt may find room.
      this.options.logger.warn({ err: error }, "WAL checkpoint on a full disk failed");
    }
  }

  private logNotStored(): void {
    const now = this.options.clock.monotonicMs();
    if (now - this.lastLogMono < logGapMs) return;
    this.lastLogMono = now;
    this.options.logger.error(
      { dataDir: this.options.dataDir, readingsNotStored: this.readingsNotStored },
      `disk full: ${this.readingsNotStored} readings could not be stored; free space in ${this.options.dataDir}`,
    );
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      try {
        this.check();
      } catch (error) {
        this.options.logger.error({ err: error }, "disk check failed");
      }
      this.schedule();
    }, this.options.checkEveryMs ?? 2000);
  }

  /** Periodic: back to normal once there is room for the reserve and a margin. */
  private check(): void {
    if (this.fullSinceMs === undefined) {
      this.takeReserve();
      return;
    }
    if (!this.takeReserve()) return;
    const notStored = this.readingsNotStored;
    const free = this.free() ?? 0;
    this.fullSinceMs = undefined;
    this.readingsNotStored = 0;
    const message = diskBackMessage(this.options.dataDir, free, notStored);
    this.options.logger.info({ dataDir: this.options.dataDir, readingsNotStored: notStored }, message);
    this.record("disk.ok", message);
  }

  /** Grows the reserve when there is room for it and a margin; true when it is whole. */
  private takeReserve(): boolean {
    const missing = this.options.reserveBytes - this.reserve.heldBytes();
    const free = this.free();
    if (free === undefined || free < Math.max(0, missing) + resumeMarginBytes) return false;
    return missing <= 0 || this.reserve.fill();
  }

  private record(type: "disk.full" | "disk.ok", message: string): void {
    if (this.store === undefined) return;
    const { dataDir } = this.options;
    recordDiskEvent(this.store, this.options.logger, {
      type,
      message,
      dataDir,
      freeBytes: this.free() ?? null,
    });
  }

  private free(): number | undefined {
    try {
      return (this.options.freeBytes ?? freeDiskBytes)(this.options.dataDir);
    } catch {
      return undefined;
    }
  }
}
