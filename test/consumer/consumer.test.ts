/**
 * The "must show": a billing platform's consumer written against docs/mqtt.md and the published
 * schemas only (test/consumer/client/, checked by independence.test.ts) follows the real service through
 * a broker outage, a SIGKILL, a database replacement, a gap it fetches with `request/history`, and key
 * rotations, with signed top-ups throughout. Every message it received matched its schema and verified
 * under the uplink key its `kid` names; nothing is missing, nothing was counted twice, and every customer
 * balance rebuilt from `billing` equals the gateway's own (`config.get`) to the last digit.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { BillingConsumer } from "./client/consumer.ts";
import {
  brokerOutage,
  closeRun,
  killAndRestart,
  settle,
  startRun,
  topUpEach,
  type ConsumerRun,
  type Settled,
} from "./run.ts";
import { dropAndFill, replaceDatabase, rotateKeys } from "./steps.ts";

let run: ConsumerRun | undefined;
afterEach(async () => {
  await closeRun(run);
  run = undefined;
});

const site = { meters: 3, pollIntervalMs: 200, powerW: 1500, speed: 10 };

/** Everything the consumer holds of `epoch` is complete, valid, verified and equal to the gateway. */
function expectExact(consumer: BillingConsumer, settled: Settled, epoch: string): void {
  expect(consumer.problems).toEqual([]);
  // Every message received (duplicates and retained ones too) verified under the uplink key it names.
  const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
  expect(total(consumer.verified)).toBe(total(consumer.received));
  expect(settled.behind).toEqual({});
  expect(consumer.tracker.gaps()).toEqual([]);
  expect(consumer.ledger.mismatches("gw-test", epoch)).toEqual([]);
  expect(settled.differences).toEqual([]);
}

describe("independent consumer", () => {
  it(
    "rebuilds every balance exactly through a broker outage and a SIGKILL",
    { timeout: 120_000 },
    async () => {
      run = await startRun(site);
      await topUpEach(run, 1000);
      await brokerOutage(run, 30);
      await topUpEach(run, 2000);
      await killAndRestart(run, 3000);
      await topUpEach(run, 4000);

      const settled = await settle(run);
      const { consumer, purchases } = run;
      expectExact(consumer, settled, consumer.epoch);
      expect(consumer.verified.get("up-1")).toBeGreaterThan(0);
      // Each confirmed purchase credited once: as many applied top-ups on billing as purchases confirmed.
      const applied = consumer.ledger.kinds().get("topup") ?? 0;
      expect(applied).toBe(purchases.confirmed.length);
      expect(consumer.ledger.kinds().get("charge")).toBeGreaterThan(0);
      expect(consumer.ledger.kinds().get("adjustment")).toBe(3); // the opening balances
      // The outage's backlog (30 records at least) came replayed, flagged historical.
      expect(consumer.historical).toBeGreaterThanOrEqual(30);
    },
  );

  it(
    "keeps two epochs apart, fills a gap with request/history and follows key rotations by kid",
    { timeout: 120_000 },
    async () => {
      run = await startRun(site);
      const { consumer } = run;
      await topUpEach(run, 1000);
      // The database is replaced: a new epoch. Its records are never added to the old epoch's balances;
      // the old epoch is closed at each account's last balance in it (what the customer had), and the
      // new one is rebuilt from its own records, starting at the configured opening balance (3.2).
      const closed = await replaceDatabase(run);
      expectExact(consumer, closed.settled, closed.epoch);
      expect(consumer.ledger.balances("gw-test", closed.epoch)).toEqual(closed.balances);
      const epoch = consumer.epoch;
      expect(epoch).not.toBe(closed.epoch);
      await topUpEach(run, 2000); // purchaseSeq 1 again: the new database counts from 0
      const replaced = consumer.events.filter((e) => e.body["type"] === "stream.database-replaced");
      expect(replaced.map((e) => [e.epoch, e.body["data"]])).toMatchObject([
        [epoch, { epoch, previousEpoch: closed.epoch }],
      ]);

      // A gap: three billing records dropped on arrival, then fetched again with request/history.
      await dropAndFill(run, 3, 3000);
      expect(consumer.gapFiller.filled).toBeGreaterThanOrEqual(3);
      expect(consumer.gapFiller.gone).toBe(0);

      const rotation = await rotateKeys(run, 5000);
      expect(rotation.retired).toMatchObject({ status: "error", code: "UNKNOWN_KEY" });
      expect(rotation.retired.details).toMatchObject({ kid: "default", keyIds: ["k-2"] });

      const settled = await settle(run);
      expect(consumer.epoch).toBe(epoch);
      expectExact(consumer, settled, epoch);
      expect(consumer.ledger.mismatches("gw-test", closed.epoch)).toEqual([]);
      expect(consumer.ledger.balances("gw-test", closed.epoch)).toEqual(closed.balances);
      expect(consumer.verified.get("up-2")).toBeGreaterThan(0);
      // Deduplicated on the key across the epoch change: the new database's purchases 1, 2 ... were all
      // credited beside the old database's purchases of the same numbers.
      expect(consumer.ledger.kinds().get("topup")).toBe(run.purchases.confirmed.length);
      // Both epochs opened with the configured balances: 3 adjustments each.
      expect(consumer.ledger.kinds().get("adjustment")).toBe(6);
    },
  );
});
