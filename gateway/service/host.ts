/**
 * Facts about the host that `/healthz` and `doctor` both report: whether NTP has synchronised the clock
 * and how much disk is free.
 */
import { spawnSync } from "node:child_process";
import { statfsSync } from "node:fs";

let ntpCache: { atMs: number; value: boolean | undefined } | undefined;

/**
 * timedatectl's NTPSynchronized, cached for a minute (health is scraped often); undefined where it
 * cannot be told (no systemd, e.g. in a container).
 */
export function ntpSynchronised(): boolean | undefined {
  const now = Date.now();
  if (ntpCache !== undefined && now - ntpCache.atMs < 60_000) return ntpCache.value;
  const result = spawnSync("timedatectl", ["show", "-p", "NTPSynchronized", "--value"], {
    encoding: "utf8",
    timeout: 2000,
  });
  const value = result.status === 0 ? result.stdout.trim() === "yes" : undefined;
  ntpCache = { atMs: now, value };
  return value;
}

/** Bytes available to unprivileged writers on the file system holding `dir`. */
export function freeDiskBytes(dir: string): number {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}
