/**
 * Power cut: the running service is frozen (SIGSTOP) at a random moment under load, with top-ups
 * arriving, and its database file and -wal are copied as they are on disk at that instant; then it
 * goes on (SIGCONT). Each copy is opened the way the next boot would open it and checked.
 *
 * The -shm file is left behind on purpose: it is shared memory (the WAL index), never synced, and a
 * power cut loses it; SQLite rebuilds it from the WAL on the first open, so a copy without it is what
 * a rebooted box finds. Each snapshot is also checked with a torn WAL tail (cut at a random byte): a
 * disk that kept only part of the last unsynced writes must still open to a state where every
 * transaction is whole.
 */
import { copyFileSync, existsSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../helpers/index.ts";
import { checkBilling, unchargedFailures } from "../../helpers/faults/billing-checks.ts";
import { seededRandom, type Random } from "../../helpers/faults/random.ts";
import type { ServiceUnderTest } from "../../helpers/service.ts";
import { startSite } from "../../helpers/faults/site.ts";
import { TopupSender, lostPurchases } from "../../helpers/faults/topups.ts";
import { faultResult, type FaultResult, type FaultScenario } from "../types.ts";

const CHECKED =
  "copy of db + wal (no shm) opens: integrity_check; ledger sums = balances; no reading charged twice; " +
  "charged Wh = register movement; every transaction whole (reading + outbox, charge + billing + baseline, " +
  "top-up + billing); top-ups answered before the cut are in the copy; same with a torn WAL tail";

/** Snapshots per size: at least 20 for the full run (issue 10). */
const SNAPSHOTS = { quick: 3, full: 20 } as const;

interface Snapshot {
  readonly dir: string;
  readonly remove: () => Promise<void>;
  readonly walBytes: number;
  readonly frozenMs: number;
}

/** Freezes the service, copies gateway.db and gateway.db-wal into a new dir, lets it run again. */
async function snapshot(service: ServiceUnderTest): Promise<Snapshot> {
  const target = await tempDir("powercut-");
  const pid = service.process.pid;
  const frozenAt = performance.now();
  process.kill(pid, "SIGSTOP");
  try {
    copyFileSync(service.dbFile, join(target.path, "gateway.db"));
    const wal = `${service.dbFile}-wal`;
    if (existsSync(wal)) copyFileSync(wal, join(target.path, "gateway.db-wal"));
  } finally {
    process.kill(pid, "SIGCONT");
  }
  const walFile = join(target.path, "gateway.db-wal");
  return {
    dir: target.path,
    remove: () => target.remove(),
    walBytes: existsSync(walFile) ? statSync(walFile).size : 0,
    frozenMs: performance.now() - frozenAt,
  };
}

/**
 * How far back a torn tail may reach, bytes: about one batch of frames. A cut further back would lose
 * transactions whose commit was already synced, which a power cut cannot do under synchronous=FULL.
 */
const TORN_TAIL_BYTES = 64 * 1024;

/** A second copy of the snapshot whose WAL lost its tail at a random byte of its last frames. */
async function tornCopy(
  shot: Snapshot,
  random: Random,
): Promise<{ file: string; remove: () => Promise<void> }> {
  const target = await tempDir("powercut-torn-");
  copyFileSync(join(shot.dir, "gateway.db"), join(target.path, "gateway.db"));
  if (shot.walBytes > 32) {
    copyFileSync(join(shot.dir, "gateway.db-wal"), join(target.path, "gateway.db-wal"));
    truncateSync(
      join(target.path, "gateway.db-wal"),
      random.int(Math.max(32, shot.walBytes - TORN_TAIL_BYTES), shot.walBytes - 1),
    );
  }
  return { file: join(target.path, "gateway.db"), remove: () => target.remove() };
}

/** The power-cut scenario; see the module comment. */
export const scenario: FaultScenario = async ({ size }) => {
  const random = seededRandom();
  const began = performance.now();
  const failures: string[] = [];
  const shots: Snapshot[] = [];
  const site = await startSite({ meters: 4, pollIntervalMs: 100, powerW: 2000 });
  const sender = new TopupSender(site.platform.client, site.accountIds, random);
  let readings = 0;
  try {
    const service = await site.start();
    sender.start();
    for (let round = 1; round <= SNAPSHOTS[size]; round++) {
      await new Promise((resolve) => setTimeout(resolve, random.int(100, 2000)));
      const confirmed = sender.confirmedSeqs();
      const shot = await snapshot(service);
      shots.push(shot);
      // The torn copy first: opening the snapshot checkpoints its WAL into the file.
      const torn = await tornCopy(shot, random);
      const check = checkBilling(join(shot.dir, "gateway.db"), { recover: true });
      readings = check.facts.readings;
      failures.push(...check.failures.map((f) => `cut ${round}: ${f}`));
      failures.push(...lostPurchases(check.facts, confirmed).map((f) => `cut ${round}: ${f}`));
      const tornCheck = checkBilling(torn.file, { recover: true });
      failures.push(...tornCheck.failures.map((f) => `cut ${round} (torn WAL tail): ${f}`));
      await torn.remove();
      await shot.remove();
    }
    await sender.stop();
    const stopped = await service.stop();
    if (stopped.code !== 0) failures.push(`final stop exited ${stopped.code}`);
    const final = checkBilling(site.dbFile);
    failures.push(
      ...[...final.failures, ...unchargedFailures(final.facts)].map((f) => `after the run: ${f}`),
    );
    failures.push(...sender.failures);
  } catch (error) {
    failures.push(`scenario stopped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await sender.stop(0).catch(() => undefined);
    await site.close();
  }
  const figures: FaultResult["figures"] = {
    "power cuts": shots.length,
    "readings in the last copy": readings,
    "top-ups confirmed": sender.confirmed.length,
    "max WAL copied KiB": Math.round(Math.max(0, ...shots.map((s) => s.walBytes)) / 1024),
    "max frozen ms": Math.round(Math.max(0, ...shots.map((s) => s.frozenMs))),
    seed: random.seed,
    seconds: Math.round((performance.now() - began) / 1000),
  };
  return faultResult({
    fault: "power cut (frozen copy)",
    runs: shots.length,
    checked: CHECKED,
    figures,
    failures,
  });
};
