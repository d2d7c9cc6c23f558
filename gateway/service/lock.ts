/**
 * One gateway per data directory: a lock file holding the owner's pid. A lock left by a dead process
 * (power cut, SIGKILL) is taken over; a live owner makes the second instance refuse to start.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    const file = join(dataDir, "gateway.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, "wx");
        try {
          // May fail on a full disk (ENOSPC): the empty file left behind counts as a dead owner's.
          writeSync(fd, String(process.pid));
        } finally {
          closeSync(fd);
        }
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = Number(readFileSync(file, "utf8").trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
          throw new GatewayError(
            ErrorCode.ConfigInvalid,
            `another gateway (pid ${owner}) is running on ${dataDir}; stop it first (systemctl stop meter-gateway)`,
            { dataDir, owner },
          );
        }
        rmSync(file, { force: true });
      }
    }
    throw new GatewayError(ErrorCode.Internal, `could not lock ${dataDir}`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
