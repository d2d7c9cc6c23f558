/**
 * A small real tmpfs for disk-full faults: mounted in a temp dir (root only), filled with a file until
 * the kernel answers ENOSPC, freed by deleting that file, unmounted on remove.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "../index.ts";

/** Why the disk-full fault cannot run here, with the command that runs it; undefined when it can. */
export function tmpfsUnavailable(testFile: string): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  return (
    `the disk-full fault mounts a small tmpfs, which needs root (uid ${process.getuid?.()}). ` +
    `Run it as root: sudo env "PATH=$PATH" npx vitest run ${testFile}`
  );
}

/** A mounted tmpfs; `path` is its mount point, `remove()` unmounts it and deletes the directory. */
export interface Tmpfs extends TempDir {
  /** Bytes free for writers now. */
  freeBytes(): number;
  /** Writes a filler file until the file system is full; returns the bytes it added. */
  fill(): number;
  /** Deletes the filler; returns the bytes freed. */
  free(): number;
}

const fillerName = "filler.bin";
const chunk = Buffer.alloc(64 * 1024, 0xaa);

/** Mounts a tmpfs of `sizeMiB` (1..1024) in a fresh temp dir. @throws when mount fails */
export async function mountTmpfs(sizeMiB: number): Promise<Tmpfs> {
  const dir = await tempDir("tmpfs-");
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "tmpfs", dir.path], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (mounted.status !== 0) {
    await dir.remove();
    throw new Error(`mount -t tmpfs failed: ${mounted.stderr || mounted.error?.message}`);
  }
  const filler = join(dir.path, fillerName);
  let fillerBytes = 0;
  const freeBytes = (): number => {
    const fs = statfsSync(dir.path);
    return fs.bavail * fs.bsize;
  };
  return {
    path: dir.path,
    freeBytes,
    fill: () => {
      const fd = openSync(filler, "a");
      let added = 0;
      try {
        // Smaller writes at the end take the last partial pages too.
        for (let size = chunk.length; size >= 512;) {
          try {
            added += writeSync(fd, chunk, 0, size);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
            size /= 2;
          }
        }
      } finally {
        closeSync(fd);
      }
      fillerBytes += added;
      return added;
    },
    free: () => {
      rmSync(filler, { force: true });
      const freed = fillerBytes;
      fillerBytes = 0;
      return freed;
    },
    remove: async () => {
      // Lazy: a child that has not quite exited must not leave the mount behind.
      spawnSync("umount", ["-l", dir.path], { timeout: 10_000 });
      await dir.remove();
    },
  };
}
