/**
 * A reserve of disk space held in a plain file in the data directory. A full disk is usually someone
 * else's doing (a runaway log, a copied backup): whatever the gateway frees there is taken by the other
 * writer, so the only space it can count on is space it already holds. The file is grown when there is
 * room and shrunk when the database needs the room.
 */
import { closeSync, fsyncSync, openSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Name of the reserve file inside the data directory. */
export const reserveFileName = "disk-reserve.bin";

/** Whether `error` means the disk (or the database's file system) has no room: SQLITE_FULL or ENOSPC. */
export function isDiskFullError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_FULL" || code === "ENOSPC";
}

const chunk = Buffer.alloc(256 * 1024);

/** The reserve file of one data directory. */
export class DiskReserve {
  readonly file: string;

  /**
   * @param dataDir the gateway's data directory (exists)
   * @param targetBytes size to hold, bytes: 0..1 GiB (0: no reserve)
   */
  constructor(
    dataDir: string,
    readonly targetBytes: number,
  ) {
    this.file = join(dataDir, reserveFileName);
  }

  /** Bytes held now. */
  heldBytes(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  /**
   * Grows the file to the target with real blocks (zeros written and synced: a sparse file would hold
   * nothing). Returns false, holding what it held before, when the disk has no room for it.
   */
  fill(): boolean {
    const held = this.heldBytes();
    if (held >= this.targetBytes) return true;
    const fd = openSync(this.file, "a");
    try {
      for (let size = held; size < this.targetBytes;) {
        size += writeSync(fd, chunk, 0, Math.min(chunk.length, this.targetBytes - size));
      }
      fsyncSync(fd);
      return true;
    } catch (error) {
      truncateSync(this.file, held);
      if ((error as NodeJS.ErrnoException).code === "ENOSPC") return false;
      throw error;
    } finally {
      closeSync(fd);
    }
  }

  /** Shrinks the file to `keepBytes` (0 deletes it); returns the bytes given back to the disk. */
  release(keepBytes = 0): number {
    const held = this.heldBytes();
    if (held <= keepBytes) return 0;
    if (keepBytes === 0) rmSync(this.file, { force: true });
    else truncateSync(this.file, keepBytes);
    return held - keepBytes;
  }
}
