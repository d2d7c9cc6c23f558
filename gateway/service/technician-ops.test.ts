import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { startExecutorRig, type ExecutorRig } from "../../test/helpers/service-rigs/executor-rig.ts";
import { seedMeterHistory } from "../../test/helpers/service-rigs/meter-history.ts";
import { TechnicianOps } from "./technician-ops.ts";

const temp = new TempStores();
let clock: ManualClock;
let store: Store;
let rig: ExecutorRig;
let ops: TechnicianOps;

beforeEach(() => {
  clock = new ManualClock();
  store = temp.open({ clock });
  rig = startExecutorRig({ store, clock });
  seedMeterHistory(rig.engine, store, clock);
  ops = new TechnicianOps({
    executor: rig.executor,
    operations: rig.operations,
    store,
    clock,
    logger: silentLogger(),
    relaysSettled: () => rig.engine.relaysSettled(),
  });
});
afterEach(async () => {
  await rig.stop();
  temp.cleanup();
});

/** The audit trail's command events: type, command, code (refusals) and source. */
const audit = () =>
  store.events
    .list({ limit: 1000 })
    .filter((e) => e.type.startsWith("command."))
    .map((e) => {
      const data = e.payload as { command: string; code?: string; source?: string };
      return { type: e.type, meter: e.meterId, command: data.command, code: data.code, source: data.source };
    });

describe("technician operations", () => {
  it("a relay test opens then closes the relay as the technician, audited like a command", async () => {
    const outcome = await ops.relayTest("M-2", "web");
    expect(outcome).toMatchObject({
      ok: true,
      result: {
        meter: "M-2",
        cut: { result: "ok", readback: "open" },
        restore: { result: "ok", readback: "closed" },
        passed: true,
      },
    });
    const rows = store.relayOps.forMeter("M-2", 10).reverse();
    expect(rows.map((r) => [r.action, r.reason, r.requestedBy, r.commandTxId])).toEqual([
      ["cut", "remote: relay test by a local technician", "technician", `${outcome.transaction}-cut`],
      ["restore", "remote: relay test by a local technician", "technician", `${outcome.transaction}-restore`],
    ]);
    expect(audit()).toEqual([
      {
        type: "command.executed",
        meter: "M-2",
        command: "relay.test",
        code: undefined,
        source: "local technician (web)",
      },
    ]);
    expect(store.commandsSeen.has(outcome.transaction)).toBe(true);
    expect(outcome.transaction).toMatch(/^local-/);
  });

  it("refuses a relay test on a protected account, switches nothing and audits the refusal", async () => {
    expect(rig.operations.protect("A-2", true, "life support").ok).toBe(true);
    const outcome = await ops.relayTest("M-2", "cli");
    expect(outcome).toMatchObject({ ok: false, code: "PROTECTED" });
    expect(store.relayOps.forMeter("M-2", 10)).toEqual([]);
    expect(audit()).toEqual([
      {
        type: "command.refused",
        meter: "M-2",
        command: "relay.test",
        code: "PROTECTED",
        source: "local technician (cli)",
      },
    ]);
  });

  it("refuses a relay test while the supply is off, so a test never lifts a cut", async () => {
    await ops.relayTest("M-2", "web");
    store.transaction(() => rig.operations.relay("M-2", "cut", "tamper", "platform-tx-1"));
    await rig.engine.relaysSettled();
    const outcome = await ops.relayTest("M-2", "web");
    expect(outcome).toMatchObject({ ok: false, code: "RELAY_TEST_REFUSED" });
    expect(outcome.ok ? "" : outcome.message).toBe("meter 'M-2': no relay test while its supply is off");
  });

  it("tops up on site with source local, and resolves a held reading with the command's operation", () => {
    const topup = ops.topup({ account: "A-1", amountFen: 1000, purchaseSeq: 1, paymentRef: "cash-1" }, "web");
    expect(topup).toMatchObject({ ok: true, result: { status: "applied", balance: "110.00" } });
    const billing = store.outbox.fetchUndelivered("billing", { limit: 100 }).map((r) => r.payload);
    expect(billing).toContainEqual(expect.objectContaining({ kind: "topup", source: "local" }));
    const resolved = ops.anomalyResolve(
      { meter: "M-1", anomaly: 1, action: "waive", reason: "meter test" },
      "web",
    );
    expect(resolved).toMatchObject({ ok: true });
    expect(audit().map((a) => [a.type, a.command, a.source])).toEqual([
      ["command.executed", "topup", "local technician (web)"],
      ["command.executed", "anomaly.resolve", "local technician (web)"],
    ]);
  });

  it("reads a meter now and confirms a meter swap, each audited with its command name", async () => {
    const read = await ops.readNow("M-2", "cli");
    expect(read).toMatchObject({
      ok: true,
      result: { meter: "M-2", reading: { values: { importEnergyWh: 123_456 } } },
    });
    const wrong = ops.meterSwap({ meter: "M-1", serial: 99, reason: "new meter" }, "web");
    expect(wrong).toMatchObject({ ok: false, code: "SERIAL_MISMATCH" });
    const swap = ops.meterSwap({ meter: "M-1", serial: 20_000_001, reason: "new meter" }, "web");
    expect(swap).toMatchObject({ ok: true });
    expect(audit().map((a) => [a.type, a.command, a.code, a.source])).toEqual([
      ["command.executed", "meter.read", undefined, "local technician (cli)"],
      ["command.refused", "meter.replace.confirm", "SERIAL_MISMATCH", "local technician (web)"],
      ["command.executed", "meter.replace.confirm", undefined, "local technician (web)"],
    ]);
  });
});
