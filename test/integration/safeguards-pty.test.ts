/**
 * Cost-control safeguards end to end: the real gateway polls a simulated prepaid meter (Modbus, over a
 * socat pty) on accelerated time (a real second is ten simulated minutes; test/helpers/prepaid-site.ts).
 * - Platform silence: the broker is stopped, so no signed command can arrive; the announced cut waits
 *   (keep-power) and runs only after contact returns (a signed time.check over the restarted broker).
 * - Heavy load: the simulator's control interface raises the meter's load above tripMaxCurrentA; the
 *   cut waits, an overlong wait is reported, and the cut reaches the meter only after the load drops.
 * - Refund and adjustment: signed commands over the real broker change the balance of the polled
 *   account, once each (a resent refund is a duplicate), and reach the platform on the `billing` stream.
 * Relay writes are read from the simulator's write log, i.e. what reached the meter.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CommandResponse } from "../../gateway/uplink/commands/response.ts";
import { ControlServer } from "../../simulator/control/http-server.ts";
import { startMosquitto, waitFor } from "../helpers/index.ts";
import { Platform } from "../helpers/platform.ts";
import { prepaidSite, type PrepaidSite } from "../helpers/prepaid-site.ts";
import { controlClient } from "../helpers/simulator.ts";
import { signedRequest } from "../helpers/uplink/fixtures.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const start = Date.UTC(2026, 0, 5, 10, 0, 0);
const noFriendly = "friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10";

/** The data of the site's events of `type` about meter flat-1. */
function eventsOf(site: PrepaidSite, type: string) {
  return site
    .events(type)
    .filter((e) => e.meterId === "flat-1" || e.meterId === null)
    .map((e) => ({ atMs: e.atMs, data: (e.payload as { data: Record<string, unknown> }).data }));
}

/** A signed time.check, answered ok: the platform's periodic sign of life. */
async function timeCheck(platform: Platform): Promise<void> {
  const response = await platform.request(
    "time.check",
    signedRequest("time.check", {}, { nowMs: Date.now() }),
  );
  expect(response).toMatchObject({ status: "ok", command: "time.check" });
}

/** One meter of a /status body. */
function meterOf(status: Record<string, unknown>, id: string): Record<string, unknown> {
  const meters = status["meters"] as Array<Record<string, unknown>>;
  return meters.find((m) => m["id"] === id)!;
}

/** The balance an ok response reports. */
function balanceOf(response: CommandResponse): string {
  if (response.status !== "ok") throw new Error(`${response.command} refused: ${response.message}`);
  return (response.result as { balance: string }).balance;
}

/** Bodies of the `billing` records of account a1 of the given kinds, in stream order. */
function billingOf(platform: Platform, kinds: string[]): Record<string, unknown>[] {
  return platform
    .on("billing")
    .map((m) => m.payload)
    .sort((a, b) => (a["seq"] as number) - (b["seq"] as number))
    .map((p) => p["body"] as Record<string, unknown>)
    .filter((body) => body["accountId"] === "a1" && kinds.includes(body["kind"] as string));
}

describe("safeguards against a simulated Modbus meter on a pty", () => {
  it("keeps power while the platform is silent: the announced cut runs only after contact returns", async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const site = await prepaidSite(
      "modbus",
      `{ cutNoticeMs: 600000, keepPowerAfterSilenceMin: 5, ${noFriendly} }`,
      start,
      cleanups,
      { brokerUrl: broker.url },
    );
    const platform = await Platform.connect(broker.url);
    cleanups.push(() => platform.close());
    await waitFor(() => site.gateway.uplink?.connected, { timeoutMs: 10_000, description: "uplink up" });
    await timeCheck(platform);

    await broker.stop();
    const silence = await waitFor(() => eventsOf(site, "keep-power.silence")[0], {
      timeoutMs: 20_000,
      description: "keep-power.silence",
    });
    expect(silence.data["silentForMs"]).toBeGreaterThanOrEqual(5 * 60_000);
    const held = await waitFor(
      () => eventsOf(site, "cut.deferred").find((e) => e.data["reason"] === "keep-power-silence"),
      { timeoutMs: 20_000, description: "the announced cut held by the silence" },
    );
    expect(eventsOf(site, "cut.announced")).toHaveLength(1);
    // Readings go on being charged half an hour (simulated) past the due cut: still no cut.
    const lastCharge = () => site.gateway.store.ledger.recentForAccount("a1", 1)[0]?.atMs ?? 0;
    await waitFor(() => lastCharge() > held.atMs + 30 * 60_000, {
      timeoutMs: 20_000,
      description: "a charge half an hour after the cut fell due",
    });
    expect(site.cutOf(1)).toBeUndefined();
    expect(site.sim.bus.meters.get(1)!.relayClosed).toBe(true);
    // The silence is a fault (degraded, in plain words); the held cut is a normal state, shown in status.
    const health = await site.http("/healthz");
    expect(health.status).toBe(503);
    expect(health.body["reasons"]).toContainEqual(
      expect.stringMatching(
        /^platform silent: no valid signed command within policy.keepPowerAfterSilenceMin \(last at .*\); automatic cuts are held \(keep-power\) until one arrives$/,
      ),
    );
    const status = await site.http("/status");
    expect(status.body["platform"]).toMatchObject({ silent: true });
    expect(meterOf(status.body, "flat-1")["billing"]).toMatchObject({
      cut: { reason: "arrears", executed: false, waiting: { reason: "keep-power-silence", overlong: false } },
    });

    await broker.restart();
    await waitFor(() => site.gateway.uplink?.connected && platform.client.connected, {
      timeoutMs: 20_000,
      description: "gateway and platform reconnected",
    });
    await timeCheck(platform);
    const cleared = await waitFor(() => eventsOf(site, "keep-power.silence.cleared")[0], {
      timeoutMs: 10_000,
      description: "keep-power.silence.cleared",
    });
    const cut = await waitFor(() => site.cutOf(1), { timeoutMs: 10_000, description: "the cut" });
    expect(cut.atMs).toBeGreaterThanOrEqual(cleared.atMs);
    expect((await site.http("/status")).body["platform"]).toMatchObject({ silent: false });
    expect(site.sim.bus.meters.get(1)!.relayClosed).toBe(false);
  });

  it("does not trip under heavy load: the cut reaches the meter only after the load drops", async () => {
    const site = await prepaidSite(
      "modbus",
      `{ cutNoticeMs: 1800000, tripMaxCurrentA: 20, tripMaxDeferMin: 30, ${noFriendly} }`,
      start,
      cleanups,
    );
    const control = new ControlServer(site.sim.simulation, () => []);
    await control.start(0);
    cleanups.push(() => control.stop());
    const api = controlClient(control.url!);
    // 9200 W at 230 V: 40 A, twice the trip limit.
    await api.ok("POST", "/meters/1/load", { load: 9200 });

    const deferred = await waitFor(
      () => eventsOf(site, "cut.deferred").find((e) => e.data["reason"] === "heavy-load"),
      { timeoutMs: 20_000, description: "the cut deferred for the load" },
    );
    const overlong = await waitFor(() => eventsOf(site, "cut.load-deferred-long")[0], {
      timeoutMs: 20_000,
      description: "the overlong wait reported",
    });
    expect(overlong.atMs - deferred.atMs).toBeGreaterThanOrEqual(30 * 60_000);
    expect(overlong.data["currentA"]).toBeGreaterThan(20);
    expect(site.cutOf(1)).toBeUndefined();
    const health = await site.http("/healthz");
    expect(health.body["reasons"]).toContainEqual(
      expect.stringMatching(
        /^meter flat-1: the cut has waited longer than policy.tripMaxDeferMin for the load to drop: the meter draws \d+(\.\d+)? A, above policy.tripMaxCurrentA; it runs when the load drops, or the platform decides$/,
      ),
    );
    const waiting = (
      meterOf((await site.http("/status")).body, "flat-1")["billing"] as {
        cut: { waiting: Record<string, unknown> };
      }
    ).cut.waiting;
    expect(waiting).toMatchObject({ reason: "heavy-load", overlong: true });
    expect(waiting["currentA"]).toBeGreaterThan(20);

    const droppedAtMs = site.clock.now();
    await api.ok("POST", "/meters/1/load", { load: 1000 });
    const cut = await waitFor(() => site.cutOf(1), { timeoutMs: 10_000, description: "the cut" });
    expect(cut.atMs).toBeGreaterThanOrEqual(droppedAtMs);
    expect(site.sim.bus.meters.get(1)!.relayClosed).toBe(false);
  });

  it("applies a refund and adjustments sent over MQTT to the polled account once each, and reports them in billing", async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    // Subscribed before the gateway starts, so the opening balance's record is seen too.
    const platform = await Platform.connect(broker.url);
    cleanups.push(() => platform.close());
    const site = await prepaidSite("modbus", `{ cutNoticeMs: 1800000, ${noFriendly} }`, start, cleanups, {
      brokerUrl: broker.url,
    });
    await waitFor(() => site.gateway.uplink?.connected, { timeoutMs: 10_000, description: "uplink up" });
    const send = (command: string, params: Record<string, unknown>) =>
      platform.request(command, signedRequest(command, params, { nowMs: Date.now() }));
    // The meter keeps drawing (and being charged) throughout: each balance is the ledger's at that instant.
    const credit = await send("adjustment", {
      account: "a1",
      amountFen: 5000,
      reason: "goodwill",
      operator: "ops-7",
    });
    expect(credit).toMatchObject({ status: "ok", command: "adjustment" });
    const refund = { account: "a1", refundSeq: 1, amountFen: 700, reason: "customer moved out" };
    const applied = await send("refund", refund);
    expect(applied).toMatchObject({
      status: "ok",
      result: { status: "applied", refundSeq: 1, amountFen: 700 },
    });
    const resent = await send("refund", refund);
    const appliedBalance = balanceOf(applied);
    expect(resent).toMatchObject({ status: "ok", result: { status: "duplicate", balance: appliedBalance } });
    const debit = await send("adjustment", {
      account: "a1",
      amountFen: -150,
      reason: "meter seal fee",
      operator: "ops-7",
    });
    expect(debit).toMatchObject({ status: "ok", command: "adjustment" });

    // The ledger: one row per change, exact amounts (1 fen = 1e5 E7), each moving the balance by its amount.
    const rows = site.gateway.store.ledger.forAccount("a1", { limit: 10_000 });
    const moves = rows.filter((r) => r.kind === "adjustment" || r.kind === "refund");
    expect(moves.map((r) => [r.kind, r.amountE7])).toEqual([
      ["adjustment", 30e5], // the config's opening balance, 0.30 yuan
      ["adjustment", 5000e5],
      ["refund", -700e5],
      ["adjustment", -150e5],
    ]);
    for (const move of moves.slice(1)) {
      const before = rows[rows.indexOf(move) - 1]!;
      expect(move.balanceAfterE7).toBe(before.balanceAfterE7 + move.amountE7);
    }

    await platform.until(
      () => billingOf(platform, ["adjustment", "refund"]).length >= 5,
      "five billing records",
    );
    const balances = [credit, applied, debit].map(balanceOf);
    expect(billingOf(platform, ["adjustment", "refund"])).toEqual([
      {
        kind: "adjustment",
        accountId: "a1",
        amount: "0.30",
        balance: "0.30",
        reason: "opening balance from config",
      },
      {
        kind: "adjustment",
        accountId: "a1",
        amount: "50.00",
        balance: balances[0],
        reason: "goodwill",
        operator: "ops-7",
        source: "uplink",
      },
      {
        kind: "refund",
        status: "applied",
        accountId: "a1",
        refundSeq: 1,
        amountFen: 700,
        balance: balances[1],
        reason: "customer moved out",
        source: "uplink",
      },
      {
        kind: "refund",
        status: "duplicate",
        accountId: "a1",
        refundSeq: 1,
        amountFen: 700,
        balance: expect.stringMatching(/^\d+\.\d+$/) as string, // the balance at the resend
        reason: "customer moved out",
        source: "uplink",
      },
      {
        kind: "adjustment",
        accountId: "a1",
        amount: "-1.50",
        balance: balances[2],
        reason: "meter seal fee",
        operator: "ops-7",
        source: "uplink",
      },
    ]);
  });
});

describe("safeguards against a simulated DL/T 645 meter on a pty", () => {
  // Single phase: DI 02020100 (phase A current). Three phase: the block 0202FF00, 02020100..02020300;
  // the decision takes the largest phase (a third of the total on the simulator's balanced load).
  it.each([
    // 9200 W: about 40 A on one phase; on three, about 14 A each (the largest phase, not the total).
    { model: "single-phase" as const, atLeastA: 35, atMostA: 45 },
    { model: "three-phase" as const, atLeastA: 12, atMostA: 16 },
  ])(
    "does not trip under heavy load read as the $model meter's phase current",
    async ({ model, atLeastA, atMostA }) => {
      const site = await prepaidSite(
        "dlt645",
        `{ cutNoticeMs: 1800000, tripMaxCurrentA: 10, tripMaxDeferMin: 600, ${noFriendly} }`,
        start,
        cleanups,
        { dltModel: model },
      );
      const control = new ControlServer(site.sim.simulation, () => []);
      await control.start(0);
      cleanups.push(() => control.stop());
      const api = controlClient(control.url!);
      await api.ok("POST", "/meters/1/load", { load: 9200 });

      await waitFor(() => eventsOf(site, "cut.deferred").find((e) => e.data["reason"] === "heavy-load"), {
        timeoutMs: 20_000,
        description: "the cut deferred for the load",
      });
      // The current that holds the cut is the one the meter reported over DL/T 645.
      const billing = meterOf((await site.http("/status")).body, "flat-1")["billing"] as {
        cut: { waiting: { reason: string; currentA: number } };
      };
      expect(billing.cut.waiting.reason).toBe("heavy-load");
      expect(billing.cut.waiting.currentA).toBeGreaterThan(atLeastA);
      expect(billing.cut.waiting.currentA).toBeLessThan(atMostA);
      expect(site.cutOf(1)).toBeUndefined();

      const droppedAtMs = site.clock.now();
      await api.ok("POST", "/meters/1/load", { load: 500 });
      const cut = await waitFor(() => site.cutOf(1), { timeoutMs: 10_000, description: "the cut" });
      expect(cut.atMs).toBeGreaterThanOrEqual(droppedAtMs);
      expect(site.sim.bus.meters.get(1)!.relayClosed).toBe(false);
    },
  );
});
