/**
 * The data directory at start: its lock, the disk guard and the database, opened in that order so a
 * start on a full disk still takes the lock, opens the store and raises its alert (disk-guard.ts).
 */
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import { ensureDataDir } from "../store/data-dir.ts";
import { openStore, type Store } from "../store/index.ts";
import { DiskGuard } from "./disk-guard.ts";
import { DataDirLock } from "./lock.ts";

export interface StorageOptions {
  readonly dataDir: string;
  /** Space held back for a full disk, MiB: 0..1024, default 4. */
  readonly diskReserveMiB: number | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class Storage {
  private lock: DataDirLock | undefined;
  private diskRef: DiskGuard | undefined;
  private storeRef: Store | undefined;

  constructor(private readonly options: StorageOptions) {}

  get disk(): DiskGuard {
    return opened(this.diskRef, "disk guard");
  }

  get store(): Store {
    return opened(this.storeRef, "store");
  }

  /** Takes the lock, opens the database (migrated) and starts watching the disk. */
  start(): void {
    const { dataDir, diskReserveMiB, clock, logger } = this.options;
    ensureDataDir(dataDir);
    const disk = new DiskGuard({ dataDir, reserveBytes: (diskReserveMiB ?? 4) * 1024 * 1024, clock, logger });
    this.diskRef = disk;
    this.lock = disk.startStep("the lock file", () => disk.lock(() => DataDirLock.acquire(dataDir)));
    disk.prepareStart();
    const store = disk.startStep("the database", () => openStore({ dataDir, clock, logger }));
    this.storeRef = store;
    disk.attach(store);
  }

  /** First step of a stop: no more disk checks (the store stays open for the last batch). */
  stopWatching(): void {
    this.diskRef?.stop();
  }

  /** Last step of a stop: closes the database and releases the lock. */
  close(): void {
    this.storeRef?.close();
    this.lock?.release();
  }
}

function opened<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`gateway not started: no ${name}`);
  return value;
}
