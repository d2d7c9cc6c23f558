/**
 * The "must show": a billing platform's consumer written against docs/mqtt.md and the published
 * schemas only (test/consumer/client/, checked by independence.test.ts) follows the real service through
 * a broker outage and a SIGKILL of the gateway, with signed top-ups before, between and during them.
 * Every message it received matched its schema; nothing is missing, nothing was counted twice, and every
 * customer balance rebuilt from `billing` equals the gateway's own (`config.get`) to the last digit.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  brokerOutage,
  closeRun,
  killAndRestart,
  settle,
  startRun,
  topUpEach,
  type ConsumerRun,
} from "./run.ts";

let run: ConsumerRun | undefined;
afterEach(async () => {
  await closeRun(run);
  run = undefined;
});

describe("independent consumer", () => {
  it(
    "rebuilds every balance exactly through a broker outage and a SIGKILL",
    { timeout: 240_000 },
    async () => {
      run = await startRun({ meters: 3, pollIntervalMs: 200, powerW: 1500, speed: 10 });
      await topUpEach(run, 1000);
      await brokerOutage(run, 30);
      await topUpEach(run, 2000);
      await killAndRestart(run, 3000);
      await topUpEach(run, 4000);

      const settled = await settle(run);
      const { consumer, purchases } = run;
      expect(consumer.problems).toEqual([]);
      expect(settled.behind).toEqual({});
      expect(consumer.tracker.gaps()).toEqual([]);
      expect(consumer.ledger.mismatches("gw-test")).toEqual([]);
      expect(settled.differences).toEqual([]);
      // Each confirmed purchase credited once: as many applied top-ups on billing as purchases confirmed.
      const applied = consumer.ledger.kinds().get("topup") ?? 0;
      expect(applied).toBe(purchases.confirmed.length);
      expect(consumer.ledger.kinds().get("charge")).toBeGreaterThan(0);
      expect(consumer.ledger.kinds().get("adjustment")).toBe(3); // the opening balances
      // The outage's backlog (30 records at least) came replayed, flagged historical.
      expect(consumer.historical).toBeGreaterThanOrEqual(30);
    },
  );
});
