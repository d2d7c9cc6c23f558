/**
 * The prepaid engine end to end, on Modbus and on DL/T 645 meters alike: the real gateway (config,
 * buses, engine, SQLite) polls simulated prepaid meters over a socat pty, both on accelerated time.
 * Relay commands are asserted in the simulator's write log, i.e. what reached the meter: coil writes on
 * Modbus, 0x1C trips (1A) and direct closes (1C) on DL/T 645 (test/helpers/prepaid-site.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/index.ts";
import { prepaidSite, type MeterProtocol } from "../helpers/prepaid-site.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const protocols: MeterProtocol[] = ["modbus", "dlt645"];

describe.each(protocols)("prepaid enforcement against simulated %s meters on a pty", (protocol) => {
  it("cuts after the notice, restores after a top-up, and never cuts the protected meter", async () => {
    const site = await prepaidSite(
      protocol,
      "{ cutNoticeMs: 600000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }",
      Date.UTC(2026, 0, 5, 10, 0, 0),
      cleanups,
    );
    const { sim, gateway, events } = site;
    const cut = await waitFor(() => site.cutOf(1), { timeoutMs: 20_000, description: "the cut on unit 1" });
    expect(sim.bus.meters.get(1)!.relayClosed).toBe(false);
    const announced = events("cut.announced")[0];
    expect(announced?.meterId).toBe("flat-1");
    const planned = (announced!.payload as { data: { plannedAtMs: number } }).data.plannedAtMs;
    // Executed only once the 10-minute notice had run out (simulated time; a real second is 10 minutes).
    expect(cut.atMs).toBeGreaterThanOrEqual(planned - 30_000);
    expect(gateway.store.accounts.require("a1").balanceE7).toBeLessThanOrEqual(0);
    const cutOp = await waitFor(
      () =>
        gateway.store.relayOps.forMeter("flat-1", 10).find((o) => o.action === "cut" && o.result !== null),
      {
        timeoutMs: 5_000,
        description: "the completed cut audit row",
      },
    );
    expect(cutOp).toMatchObject({ action: "cut", result: "ok", readback: "open", requestedBy: "prepaid" });

    const topup = gateway.operations.topup({
      account: "a1",
      amountFen: 10_000,
      purchaseSeq: 1,
      paymentRef: "pay-1",
      source: "local",
    });
    expect(topup).toMatchObject({ ok: true, result: { status: "applied" } });
    await waitFor(() => site.restoreOf(1), { timeoutMs: 10_000, description: "the restore" });
    expect(sim.bus.meters.get(1)!.relayClosed).toBe(true);
    // The audit row follows the read-back, a moment after the write reached the meter.
    await waitFor(() => events("restore.done").length > 0, {
      timeoutMs: 5_000,
      description: "the restore audit event",
    });
    expect(events("restore.done").map((e) => e.meterId)).toEqual(["flat-1"]);

    // The hospital ran far into arrears meanwhile, and was never touched.
    expect(gateway.store.accounts.require("h1").balanceE7).toBeLessThan(0);
    expect(site.writesTo(2)).toEqual([]);
    expect(sim.bus.meters.get(2)!.relayClosed).toBe(true);
  });

  it("defers a cut inside a friendly period and executes it when the period ends", async () => {
    // A Monday noon, six simulated hours (36 real seconds) before the period ends: however long the
    // start-up takes, the credit runs out and the cut falls due inside the period.
    const start = Date.UTC(2026, 0, 5, 12, 0, 0);
    const periodEnd = Date.UTC(2026, 0, 5, 18, 0, 0);
    const site = await prepaidSite(
      protocol,
      '{ cutNoticeMs: 60000, friendlyPeriods: [{ from: "08:00", to: "18:00" }], friendlyDays: [], maxRelayOpsPerHour: 10 }',
      start,
      cleanups,
    );
    await waitFor(() => site.events("cut.deferred").length > 0, {
      timeoutMs: 20_000,
      description: "a deferred cut",
    });
    expect(site.writesTo(1)).toEqual([]);
    // Rather than wait out the afternoon: to one simulated minute before the period ends.
    site.clock.advance(periodEnd - 60_000 - site.clock.now());
    expect(site.writesTo(1)).toEqual([]);
    const cut = await waitFor(() => site.cutOf(1), {
      timeoutMs: 20_000,
      description: "the cut after the period",
    });
    expect(cut.atMs).toBeGreaterThanOrEqual(periodEnd);
    expect(site.writesTo(2)).toEqual([]);
  });
});
