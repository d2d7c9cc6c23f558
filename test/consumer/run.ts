/**
 * One run of the independent consumer against the real service: a fault site (simulated meters, a
 * persistent mosquitto, `meter-gateway run`), the consumer subscribed before the gateway's first record,
 * and the faults a scenario puts in between as steps. {@link ConsumerRun.settle} stops the load and
 * waits until the consumer's view is complete and its balances equal the gateway's.
 *
 * The later scenarios (a database replacement, a gap fetched with `request/history`, key rotations) are
 * steps in ./steps.ts. The balances compared are those of the gateway's current epoch (its status).
 */
import { join } from "node:path";
import { waitFor } from "../helpers/index.ts";
import { marks, outboxProgress, readDb, rows } from "../helpers/database.ts";
import { startSite, type Site, type SiteOptions } from "../helpers/faults/site.ts";
import type { ServiceUnderTest } from "../helpers/service.ts";
import { balanceDifferences, gatewayBalances } from "./client/balances.ts";
import type { BillingConsumer } from "./client/consumer.ts";
import { PurchaseBook } from "./client/purchases.ts";
import { connectConsumer } from "./harness.ts";

export interface ConsumerRun {
  readonly site: Site;
  readonly consumer: BillingConsumer;
  readonly purchases: PurchaseBook;
  readonly options: SiteOptions;
  service: ServiceUnderTest;
}

/** Starts the site and the consumer, then the gateway. */
export async function startRun(options: SiteOptions): Promise<ConsumerRun> {
  const site = await startSite({ ...options, persistentBroker: true, uplinkKey: true });
  const consumer = await connectConsumer({
    brokerUrl: site.broker.url,
    keyFile: join(site.dir.path, "command.key"),
    uplinkKeyFile: join(site.dir.path, "uplink-up-1.key"),
    clientId: "billing-platform-1",
  });
  const service = await site.start();
  return { site, consumer, purchases: new PurchaseBook(consumer), options, service };
}

/** One top-up per account, in turn; `amountFen` grows so that each is told apart. */
export async function topUpEach(run: ConsumerRun, amountFen: number): Promise<void> {
  for (const [i, account] of run.site.accountIds.entries())
    await run.purchases.buy(account, amountFen + i, 60_000);
}

/** Records the gateway committed and the broker has not acknowledged (read from its database file). */
const pending = (run: ConsumerRun) => outboxProgress(run.site.dbFile).pending;

/** The broker goes away until the gateway has at least `records` waiting, then comes back. */
export async function brokerOutage(run: ConsumerRun, records: number): Promise<void> {
  await run.site.broker.stop();
  await waitFor(() => pending(run) >= records, {
    timeoutMs: 30_000,
    description: `${records} records waiting in the gateway's outbox`,
  });
  await run.site.broker.restart();
}

/**
 * SIGKILL of the gateway; a top-up is published while it is down (the broker keeps it in the gateway's
 * session), then the gateway starts again on the same database and answers it.
 */
export async function killAndRestart(run: ConsumerRun, amountFen: number): Promise<void> {
  await run.service.kill();
  const account = run.site.accountIds[0]!;
  const bought = run.purchases.buy(account, amountFen, 60_000);
  run.service = await run.site.start();
  await bought;
}

/** What {@link settle} found: what the consumer lacked and which balances differed when the waits ran out. */
export interface Settled {
  /** Per stream, the gateway's last committed seq above the consumer's highest (empty: it has them all). */
  readonly behind: Record<string, { consumer: number; gateway: number }>;
  /** Accounts whose rebuilt balance differs from the gateway's (empty: equal to the last digit). */
  readonly differences: readonly string[];
}

/**
 * Stops the meters' load, then waits until the consumer's rebuilt balances equal the gateway's
 * (`config.get`), and until the gateway's outbox is delivered and the consumer holds every record the
 * gateway committed. Both are positive signals; what still differs when a wait runs out is returned.
 */
export async function settle(run: ConsumerRun): Promise<Settled> {
  setLoad(run, 0);
  await readTwiceSince(run, marks(run.site.dbFile).readingId);
  const { consumer } = run;
  // The epoch the gateway's records get now (its retained status); older epochs are closed (3.2).
  const epoch = consumer.epoch;
  let differences: string[] = ["not compared yet"];
  await waitFor(
    async () => {
      const rebuilt = consumer.ledger.balances("gw-test", epoch);
      differences = balanceDifferences(rebuilt, await gatewayBalances(consumer, 10_000));
      return differences.length === 0;
    },
    { timeoutMs: 60_000, intervalMs: 500, description: "rebuilt balances equal the gateway's" },
  ).catch(() => undefined);
  let behind: Settled["behind"] = {};
  await waitFor(
    () => {
      const progress = outboxProgress(run.site.dbFile);
      behind = {};
      for (const [stream, gateway] of Object.entries(progress.lastSeq)) {
        const highest = consumer.tracker.highest("gw-test", stream, epoch);
        if (highest < gateway) behind[stream] = { consumer: highest, gateway };
      }
      return progress.pending === 0 && Object.keys(behind).length === 0;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: "every committed record at the consumer" },
  ).catch(() => undefined);
  return { behind, differences };
}

/**
 * Waits until every meter was read twice after reading `readingId`: a reading taken before the load
 * stopped may still be on its way, and with it the last charge, which would move a balance after the
 * comparison (and after the balances a database replacement closes its epoch with).
 */
async function readTwiceSince(run: ConsumerRun, readingId: number): Promise<void> {
  const { dbFile, meterIds } = run.site;
  const readTwice = () =>
    readDb(dbFile, (db) =>
      rows<{ n: number }>(
        db,
        "SELECT count(*) AS n FROM readings WHERE id > ? GROUP BY meter_id HAVING count(*) >= 2",
        readingId,
      ),
    ).length === meterIds.length;
  await waitFor(readTwice, {
    timeoutMs: 30_000,
    description: "every meter read twice after the load stopped",
  });
}

/** Every meter's load, W (0 after {@link settle}; the run's `powerW` to charge again). */
export function setLoad(run: ConsumerRun, powerW: number): void {
  for (const { meter } of run.site.sim.simulation.meters()) meter.setLoad(powerW);
}

export async function closeRun(run: ConsumerRun | undefined): Promise<void> {
  await run?.consumer.close();
  await run?.site.close();
}
