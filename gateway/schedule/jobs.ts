/**
 * The gateway's scheduled work: the daily freeze at 00:00 (freeze.ts: per-meter day energy and balance,
 * published on billing), the monthly settlement, retention of delivered data, and the daily online backup.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../core/logger.ts";
import type { Store, RetentionPolicy } from "../store/index.ts";

export { freeze } from "./freeze.ts";

/** Default retention: delivered readings for 90 days (at most 2 million), delivered outbox records for 30. */
export const defaultRetention: RetentionPolicy = {
  readingsMaxAgeMs: 90 * 86_400_000,
  readingsMaxDelivered: 2_000_000,
  outboxMaxAgeMs: 30 * 86_400_000,
  commandsSeenMaxAgeMs: 30 * 86_400_000,
};

/** Writes a consistent snapshot (VACUUM INTO) to dataDir/backups and keeps the newest `keep`. */
export function backup(store: Store, dataDir: string, atMs: number, keep: number, logger: Logger): string {
  const dir = join(dataDir, "backups");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, "").slice(0, 15);
  const file = join(dir, `gateway-${stamp}.db`);
  store.backup(file);
  const old = readdirSync(dir)
    .filter((f) => /^gateway-\d{8}T\d{6}\.db$/.test(f))
    .sort()
    .reverse()
    .slice(keep);
  for (const f of old) rmSync(join(dir, f), { force: true });
  logger.info({ file, removed: old.length }, "database backed up");
  return file;
}
