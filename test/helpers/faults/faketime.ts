/**
 * A wall clock the test can step while the service runs: libfaketime preloaded into the child, reading
 * its offset from a timestamp file on every call (FAKETIME_NO_CACHE), with monotonic time left real
 * (FAKETIME_DONT_FAKE_MONOTONIC), exactly what an NTP step does to a gateway. Each step rewrites the
 * file atomically (write to a temp name, rename) so the child never reads half a line.
 */
import { existsSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INSTALL_COMMAND } from "../index.ts";

/** A stepped wall clock for a child process. */
export interface SteppedWallClock {
  /** Environment that makes a child use this clock. */
  readonly env: Readonly<Record<string, string>>;
  /** Offset from the real wall clock in force, s. */
  readonly offsetSec: number;
  /** Sets the offset from the real wall clock, whole seconds (negative: behind). */
  setOffset(offsetSec: number): void;
}

/** Where Debian puts the library (the multiarch directory varies: x86_64, aarch64 on a Pi). */
function findLibfaketime(): string {
  const candidates = ["/usr/local/lib/faketime/libfaketime.so.1"];
  for (const entry of readdirSync("/usr/lib"))
    candidates.push(join("/usr/lib", entry, "faketime", "libfaketime.so.1"));
  candidates.push("/usr/lib/faketime/libfaketime.so.1");
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined)
    throw new Error(`libfaketime.so.1 not found; install it with:\n  ${INSTALL_COMMAND}`);
  return found;
}

/** A stepped wall clock whose timestamp file lives in `dir`, starting at the real time (offset 0). */
export function steppedWallClock(dir: string): SteppedWallClock {
  const file = join(dir, "faketime.rc");
  let offsetSec = 0;
  const write = (): void => {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${offsetSec >= 0 ? "+" : "-"}${Math.abs(offsetSec)}\n`);
    renameSync(tmp, file);
  };
  write();
  return {
    env: {
      LD_PRELOAD: findLibfaketime(),
      FAKETIME_TIMESTAMP_FILE: file,
      FAKETIME_NO_CACHE: "1",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    },
    get offsetSec() {
      return offsetSec;
    },
    setOffset(next: number) {
      if (!Number.isSafeInteger(next)) throw new RangeError(`offset ${next} s is not a whole number`);
      offsetSec = next;
      write();
    },
  };
}
