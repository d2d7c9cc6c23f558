/**
 * The disk's part of `/healthz` and `/status`, in plain words: why billing may be at risk and what to
 * do about it. Kept apart from status.ts so each health source stays a small function of its own.
 */
import type { DiskSnapshot } from "./disk-guard.ts";

/** `/healthz` reasons for the disk; empty while it has room. */
export function diskProblems(disk: DiskSnapshot): string[] {
  if (disk.state === "ok" || disk.fullSinceMs === null) return [];
  const since = new Date(disk.fullSinceMs).toISOString();
  const where = `disk full in ${disk.dataDir} since ${since}`;
  if (disk.readingsNotStored === 0)
    return [
      `${where}: billing goes on in the space the gateway freed (its reserve and WAL); free space on this disk`,
    ];
  return [
    `${where}: ${disk.readingsNotStored} readings could not be stored (the meters keep counting; ` +
      "their energy is charged once space returns); free space on this disk",
  ];
}
