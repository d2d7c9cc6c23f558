/**
 * Facts about the host that `/healthz` and `doctor` both report: whether NTP has synchronised the clock
 * and how much disk is free. The service asks through a {@link HostProbe}, which never makes a health
 * request wait for a child process; `doctor` runs once and may ask synchronously.
 */
import { execFile, spawnSync } from "node:child_process";
import { statfsSync } from "node:fs";
import type { Clock, TimerHandle } from "../../core/clock.ts";

const timedatectlArgs = ["show", "-p", "NTPSynchronized", "--value"];

/**
 * timedatectl's NTPSynchronized, asked now and waited for (at most 2 s); undefined where it cannot be
 * told (no systemd, e.g. in a container). For one-shot commands such as `doctor`.
 */
export function ntpSynchronised(): boolean | undefined {
  const result = spawnSync("timedatectl", timedatectlArgs, { encoding: "utf8", timeout: 2000 });
  return result.status === 0 ? result.stdout.trim() === "yes" : undefined;
}

/** Bytes available to unprivileged writers on the file system holding `dir`. */
export function freeDiskBytes(dir: string): number {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

export interface HostProbeOptions {
  /** How often NTP is asked again, ms of the clock: 1000..3600000, default 60000. */
  readonly refreshMs?: number;
  /** Longest timedatectl may take before it is killed, ms: 100..10000, default 2000. */
  readonly timeoutMs?: number;
  /**
   * Asks whether NTP has synchronised the clock and calls back once (undefined: cannot tell); returns a
   * function that abandons the question. Default: timedatectl in a child process.
   */
  readonly ask?: (timeoutMs: number, answer: (synchronised: boolean | undefined) => void) => () => void;
}

/** timedatectl in a child process, killed after `timeoutMs`. */
function askTimedatectl(timeoutMs: number, answer: (synchronised: boolean | undefined) => void): () => void {
  const child = execFile(
    "timedatectl",
    timedatectlArgs,
    { encoding: "utf8", timeout: timeoutMs },
    (error, stdout) => answer(error === null ? stdout.trim() === "yes" : undefined),
  );
  return () => child.kill();
}

/**
 * The service's view of the host, one per gateway. NTP is asked in the background on the injected
 * clock, and health serves the last answer (undefined until the first one, or where it cannot be told).
 */
export class HostProbe {
  private ntp: boolean | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private abandon: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly options: HostProbeOptions = {},
  ) {}

  /** Asks NTP now and again every `refreshMs`. */
  start(): void {
    this.stopped = false;
    this.refresh();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    // A question still out would keep a stopping process alive for up to `timeoutMs`.
    this.abandon?.();
    this.abandon = undefined;
  }

  /** The last answer of timedatectl; never waits. */
  ntpSynchronised(): boolean | undefined {
    return this.ntp;
  }

  /** Free bytes on the file system of `dir`; undefined when it cannot be read. */
  freeDiskBytes(dir: string): number | undefined {
    try {
      return freeDiskBytes(dir);
    } catch {
      return undefined;
    }
  }

  private refresh(): void {
    const ask = this.options.ask ?? askTimedatectl;
    this.abandon = ask(this.options.timeoutMs ?? 2000, (synchronised) => {
      this.abandon = undefined;
      this.ntp = synchronised;
      if (this.stopped) return;
      this.timer = this.clock.setTimeout(() => this.refresh(), this.options.refreshMs ?? 60_000);
    });
  }
}
