/**
 * SIGKILL under load: `meter-gateway run` polls four fast meters and takes signed top-ups through the
 * broker while it is killed at random moments (some during start-up) and started again each time.
 * After every kill the database file is checked as it was left; at the end the gateway drains its
 * outbox and the platform's view of every stream is checked too.
 */
import { testGatewayId } from "../../helpers/uplink/fixtures.ts";
import { waitFor } from "../../helpers/index.ts";
import { checkBilling, unchargedFailures } from "../../helpers/faults/billing-checks.ts";
import { outboxProgress, readingCount } from "../../helpers/database.ts";
import { seededRandom, type Random } from "../../helpers/faults/random.ts";
import type { ServiceUnderTest } from "../../helpers/service.ts";
import { startSite, type Site } from "../../helpers/faults/site.ts";
import { checkStreams } from "../../helpers/stream-checks.ts";
import { TopupSender, exactlyOnceFailures, lostPurchases } from "../../helpers/faults/topups.ts";
import { faultResult, type FaultResult, type FaultScenario, type FaultSize } from "../types.ts";

const CHECKED =
  "integrity_check; committed readings kept; no reading charged twice; ledger sums = balances; charged Wh = register movement (and > 0); " +
  "top-ups exactly once (resent after kills); platform sees gapless seq, duplicates only with the same key";

/** Kills per size: at least 50 for the full run (issue 10). */
const KILLS = { quick: 3, full: 50 } as const;
/** Longest the service works between a start and its kill, ms (the moment is uniform from 100 ms). */
const WORK_MS = { quick: 1000, full: 2500 } as const;

interface KillStats {
  kills: number;
  duringStartup: number;
  restartMs: number[];
}

/** Lets the service work for a random moment, kills it, checks the file, starts it again. */
async function killOnce(
  site: Site,
  service: ServiceUnderTest,
  round: number,
  context: { size: FaultSize; random: Random; sender: TopupSender; stats: KillStats; failures: string[] },
): Promise<ServiceUnderTest> {
  const { random, sender, stats, failures } = context;
  await new Promise((resolve) => setTimeout(resolve, random.int(100, WORK_MS[context.size])));
  const confirmed = sender.confirmedSeqs();
  const committed = readingCount(site.dbFile);
  await service.kill();
  stats.kills++;
  const check = checkBilling(site.dbFile);
  failures.push(...check.failures.map((f) => `kill ${round}: ${f}`));
  failures.push(...lostPurchases(check.facts, confirmed).map((f) => `kill ${round}: ${f}`));
  if (check.facts.readings < committed)
    failures.push(
      `kill ${round}: ${committed} readings committed before the kill, ${check.facts.readings} after`,
    );
  if (random.int(0, 4) === 0) {
    // A kill during start-up: opening the store, migrations, seeding, the first batches.
    const early = await site.start({ waitReady: false });
    await new Promise((resolve) => setTimeout(resolve, random.int(0, 1200)));
    await early.kill();
    stats.kills++;
    stats.duringStartup++;
    failures.push(...checkBilling(site.dbFile).failures.map((f) => `kill ${round} (start-up): ${f}`));
  }
  const started = performance.now();
  const next = await site.start();
  stats.restartMs.push(performance.now() - started);
  await sender.replayLast();
  return next;
}

/** Stops the top-ups, lets the gateway drain its outbox to the platform and stops it cleanly. */
async function drainAndStop(site: Site, service: ServiceUnderTest, sender: TopupSender): Promise<string[]> {
  await sender.stop();
  const failures: string[] = [];
  const seen = () => {
    const progress = outboxProgress(site.dbFile);
    return {
      pending: progress.pending,
      streams: checkStreams(site.platform.messages, testGatewayId, progress.lastSeq),
    };
  };
  await waitFor(
    () => {
      const now = seen();
      return now.pending === 0 && now.streams.failures.length === 0;
    },
    { timeoutMs: 60_000, intervalMs: 200, description: "the outbox drained to the platform" },
  ).catch(() => {
    const now = seen();
    failures.push(`not drained within 60 s: ${now.pending} records pending`, ...now.streams.failures);
  });
  const stopped = await service.stop();
  if (stopped.code !== 0) failures.push(`final stop exited ${stopped.code}`);
  return failures;
}

/** The SIGKILL scenario; see the module comment. */
export const scenario: FaultScenario = async ({ size }) => {
  const random = seededRandom();
  const began = performance.now();
  const failures: string[] = [];
  const stats: KillStats = { kills: 0, duringStartup: 0, restartMs: [] };
  const site = await startSite({ meters: 4, pollIntervalMs: 100, powerW: 2000 });
  const sender = new TopupSender(site.platform.client, site.accountIds, random);
  let figures: FaultResult["figures"] = {};
  try {
    let service = await site.start();
    sender.start();
    for (let round = 1; round <= KILLS[size]; round++)
      service = await killOnce(site, service, round, { size, random, sender, stats, failures });
    failures.push(...(await drainAndStop(site, service, sender)));
    const final = checkBilling(site.dbFile);
    failures.push(...[...final.failures, ...unchargedFailures(final.facts)].map((f) => `final: ${f}`));
    // Without a charge the energy checks above compare zero with zero and prove nothing.
    if (final.facts.chargedWh <= 0) failures.push("final: nothing was charged");
    failures.push(...exactlyOnceFailures(final.facts.purchases, sender.confirmed), ...sender.failures);
    const streams = checkStreams(site.platform.messages, testGatewayId, outboxProgress(site.dbFile).lastSeq);
    figures = {
      kills: stats.kills,
      "of which during start-up": stats.duringStartup,
      "readings stored": final.facts.readings,
      "kWh charged": final.facts.chargedWh / 1000,
      "top-ups confirmed": sender.confirmed.length,
      "top-up resends": sender.counts.resent,
      "answered as replays": sender.counts.replayed + sender.counts.replayChecks,
      "platform duplicates": streams.views.reduce((sum, v) => sum + v.duplicates, 0),
      "max restart ms": Math.round(Math.max(...stats.restartMs)),
      seed: random.seed,
    };
  } catch (error) {
    failures.push(`scenario stopped: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await sender.stop(0).catch(() => undefined);
    await site.close();
  }
  return faultResult({
    fault: "SIGKILL under load",
    runs: stats.kills,
    checked: CHECKED,
    figures: { ...figures, seconds: Math.round((performance.now() - began) / 1000) },
    failures,
  });
};
