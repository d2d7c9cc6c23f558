/**
 * A null-modem cable made of two real pseudo-terminals joined by socat: bytes written to one end are
 * read at the other, both ways. Open each end as a serial port (serialport, modbus-serial) or a file.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawnOwned, stopOwned } from "./processes.ts";
import { tempDir } from "./temp-dir.ts";
import { requireTool } from "./tools.ts";
import { waitFor } from "./wait-for.ts";

/** Two linked pseudo-terminals. */
export interface PtyPair {
  /** Path of one end (a symlink to /dev/pts/N in a temp dir). */
  readonly a: string;
  /** Path of the other end. */
  readonly b: string;
  /** Process id of the socat that joins them. */
  readonly pid: number;
  /** socat's log (-d -d), for assertion messages. */
  logs(): string;
  /** Stops socat (both ends then read EOF/EIO) and removes the links. Idempotent. */
  close(): Promise<void>;
}

/** How long socat may take to create both ptys, in ms. */
const START_TIMEOUT_MS = 5000;

/**
 * Spawns `socat -d -d pty,raw,echo=0,link=<tmp>/a pty,raw,echo=0,link=<tmp>/b` and resolves once both
 * device links exist and socat has entered its transfer loop. Raw mode with no echo, so bytes pass
 * unchanged (no CR/LF mapping). Closing and reopening an end keeps the pair alive.
 * @param options.dir where to put the links `a` and `b` (default a fresh temp dir, removed on close);
 *   a second pair made in the same directory after close() has the same link names (a replug).
 */
export async function createPtyPair(options: { readonly dir?: string } = {}): Promise<PtyPair> {
  const socat = requireTool("socat");
  // In a given directory the links keep their names across pairs: a USB adapter unplugged and plugged
  // back under the same device name. The caller owns that directory.
  const dir =
    options.dir === undefined ? await tempDir("pty-") : { path: options.dir, remove: async () => {} };
  const a = join(dir.path, "a");
  const b = join(dir.path, "b");
  const proc = await spawnOwned(socat, ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  try {
    await waitFor(
      () => {
        if (proc.hasExited()) throw new Error(`socat exited:\n${proc.output()}`);
        return existsSync(a) && existsSync(b) && proc.output().includes("starting data transfer loop");
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 10, description: "socat to create the pty pair" },
    );
  } catch (error) {
    await stopOwned(proc);
    await dir.remove();
    throw new Error(`createPtyPair failed; socat said:\n${proc.output()}`, { cause: error });
  }
  return {
    a,
    b,
    pid: proc.pid,
    logs: () => proc.output(),
    async close() {
      await stopOwned(proc);
      await dir.remove();
    },
  };
}
