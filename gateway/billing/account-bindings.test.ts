/**
 * Which wins, the config file or a command (issue 16): accounts and bindings made by command persist in
 * the real SQLite file and survive a restart and a reload (SIGHUP: PrepaidEngine.replaceSettings, as
 * billing-feature.ts calls it) of a config file that says otherwise; a closed account's meter bills to
 * nothing. Also account.close (final reading charged, final balance) and meters behind CT/PT.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { Reading } from "../metering/reading.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import {
  closeEngineRigs,
  ingestInto,
  openEngineRig,
  rigConfig,
  rigSettings,
  startEngine,
} from "../../test/helpers/billing/engine-rig.ts";
import type { Store } from "../store/index.ts";
import { PrepaidOperations } from "./operations.ts";
import type { PrepaidEngine } from "./engine.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

/** m1 on a1; m2 free, behind 40 x 100 transformers (`m2Account` binds it in the file). */
const configText = (m2Account = "") => `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
  - { id: m2, bus: b1, unit: 2, profile: generic-prepaid, ctRatio: 40, ptRatio: 100${m2Account} }
accounts: [{ id: a1, tariff: flat, balance: "10.00", hoardingLimit: "2000000" }]
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [] }
`;

/** One process of the gateway on `dir`. */
function gatewayOn(dir: string, clock: ManualClock, text = configText()) {
  const store = temp.open({ dataDir: dir, clock });
  const engine = startEngine({ store, clock, settings: rigSettings(text) });
  const ingest = ingestInto(store, engine);
  const read = (meterId: string, energyWh: number): Reading => ({
    meterId,
    busId: "b1",
    unit: 1,
    wallMs: clock.now(),
    monoMs: clock.monotonicMs(),
    values: { importEnergyWh: energyWh, powerW: 100 },
    quality: [],
    durationMs: 5,
  });
  return {
    store,
    engine,
    ops: new PrepaidOperations(engine, store),
    poll: (m: string, wh: number) => ingest([read(m, wh)]),
  };
}

const balance = (store: Store, id: string) => store.accounts.require(id).balanceE7 / 1e7;
const openC1 = (ops: PrepaidOperations) =>
  ops.lifecycle.open({
    account: "c1",
    customerNo: "CUST-1",
    meter: "m2",
    tariff: "flat",
    openingBalance: "500.00",
  });
async function stop(g: { store: Store; engine: PrepaidEngine }) {
  await g.engine.stop();
  g.store.close();
}

describe("bindings made by command", () => {
  it("survive a restart and a reload of a file that bills the meter elsewhere: the command wins", async () => {
    const dir = temp.dir();
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const first = gatewayOn(dir, clock);
    expect(openC1(first.ops)).toMatchObject({ ok: true });
    await stop(first);
    // Restarted with a file that now bills m2 to a1.
    const second = gatewayOn(dir, clock, configText(", account: a1"));
    expect(second.engine.settings.meterAccount.get("m2")).toBe("c1");
    second.poll("m2", 1000);
    clock.advance(60_000);
    second.poll("m2", 1001); // 1 Wh on the register: 4 kWh at 40 x 100
    expect(balance(second.store, "c1")).toBe(496);
    expect(balance(second.store, "a1")).toBe(10);
    // A reload of the same file changes nothing either.
    second.engine.replaceSettings(rigSettings(configText(", account: a1")));
    expect(second.engine.settings.meterAccount.get("m2")).toBe("c1");
    await stop(second);
  });

  it("a closed account's meter bills to nothing after a restart, although the file still names it", async () => {
    const dir = temp.dir();
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const first = gatewayOn(dir, clock);
    first.poll("m1", 5000);
    clock.advance(60_000);
    const closed = first.ops.lifecycle.close({
      account: "a1",
      finalEnergyWh: 5250,
      reason: "moved out",
      commandId: "tx-0001",
    });
    expect(closed).toMatchObject({
      ok: true,
      result: { energyWh: 250, amount: "0.25", finalBalance: "9.75", supply: "leave" },
    });
    await stop(first);
    const second = gatewayOn(dir, clock);
    expect(second.engine.settings.meterAccount.has("m1")).toBe(false);
    second.poll("m1", 6000);
    clock.advance(60_000);
    second.poll("m1", 7000);
    expect(balance(second.store, "a1")).toBe(9.75);
    expect(
      second.ops.topup({ account: "a1", amountFen: 100, purchaseSeq: 1, paymentRef: "P", source: "uplink" }),
    ).toMatchObject({
      ok: false,
      code: "ACCOUNT_CLOSED",
    });
    const closedRefusal = { ok: false, code: "ACCOUNT_CLOSED" };
    expect(second.ops.protect("a1", true, "hospital")).toMatchObject(closedRefusal);
    expect(second.ops.accountSet("a1", { alarm1: "1.00" })).toMatchObject(closedRefusal);
    const lifecycle = second.ops.lifecycle;
    expect(
      lifecycle.adjust({ account: "a1", amountFen: 1, reason: "x", operator: "o", source: "local" }),
    ).toMatchObject(closedRefusal);
    expect(
      lifecycle.refund({ account: "a1", refundSeq: 1, amountFen: 1, reason: "x", source: "local" }),
    ).toMatchObject(closedRefusal);
    expect(lifecycle.close({ account: "a1", reason: "again", commandId: "tx-0002" })).toMatchObject(
      closedRefusal,
    );
    await stop(second);
  });
});

describe("top-up order numbers and the balance cap", () => {
  it("refuses an order number applied under another purchase, naming it, and a balance above the cap", async () => {
    const g = gatewayOn(temp.dir(), new ManualClock(Date.UTC(2026, 0, 5, 12)));
    const topup = (purchaseSeq: number, amountFen: number, orderNo: string) =>
      g.ops.topup({
        account: "a1",
        purchaseSeq,
        amountFen,
        paymentRef: `PAY-${purchaseSeq}`,
        orderNo,
        source: "uplink",
      });
    expect(topup(1, 500, "GD-1")).toMatchObject({ ok: true, result: { status: "applied", orderNo: "GD-1" } });
    expect(topup(1, 500, "GD-1")).toMatchObject({
      ok: true,
      result: { status: "duplicate", orderNo: "GD-1" },
    });
    expect(topup(2, 500, "GD-1")).toMatchObject({
      ok: false,
      code: "TOPUP_ORDER_CONFLICT",
      details: {
        applied: { account: "a1", purchaseSeq: 1, orderNo: "GD-1", amountFen: 500, paymentRef: "PAY-1" },
      },
    });
    expect(topup(1, 500, "GD-9")).toMatchObject({ ok: false, code: "TOPUP_CONFLICT" });
    expect(topup(2, 99_999_999, "GD-2")).toMatchObject({
      ok: false,
      code: "TOPUP_BALANCE_CAP",
      details: { wouldBe: "1000014.99", maxBalance: "999999.99" },
    });
    expect(balance(g.store, "a1")).toBe(15);
    await stop(g);
  });
});

describe("meters behind CT/PT", () => {
  it("charges the register delta times ctRatio x ptRatio and records both energies", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const g = gatewayOn(temp.dir(), clock);
    openC1(g.ops);
    g.poll("m2", 12_000);
    clock.advance(60_000);
    g.poll("m2", 12_003);
    const charge = g.store.outbox
      .fetchUndelivered("billing", { limit: 100 })
      .map((r) => r.payload as Record<string, unknown>)
      .find((b) => b["kind"] === "charge");
    expect(charge).toMatchObject({
      meterId: "m2",
      energyWh: 12_000,
      rawEnergyWh: 3,
      ctRatio: 40,
      ptRatio: 100,
      amount: "12.00",
    });
    expect(balance(g.store, "c1")).toBe(488);
    await stop(g);
  });
});

describe("account.close with policy.closeSupply: cut", () => {
  it("cuts the supply of the account's meter, audited as a relay operation with the close's transaction", async () => {
    const rig = openEngineRig(
      rigConfig.replace("maxRelayOpsPerHour: 10 }", "maxRelayOpsPerHour: 10, closeSupply: cut }"),
    );
    rig.ingest([rig.read("m1", 1000)]);
    const closed = rig.ops.lifecycle.close({
      account: "a1",
      reason: "moved out",
      commandId: "tx-close-0042",
    });
    expect(closed).toMatchObject({ ok: true, result: { supply: "cut", finalBalance: "1.00" } });
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([["m1", false]]);
    expect(rig.store.relayOps.forMeter("m1", 10).map((op) => [op.action, op.commandTxId, op.result])).toEqual(
      [["cut", "tx-close-0042", "ok"]],
    );
    closeEngineRigs();
  });
});

describe("account.close with policy.closeSupply: cut under heavy load", () => {
  // A cut at close under load would wait, but the close forgets the meter's decision: it would never run.
  it("is refused while the meter draws more than tripMaxCurrentA, changes nothing, and cuts once the load drops", async () => {
    const rig = openEngineRig(
      rigConfig.replace(
        "maxRelayOpsPerHour: 10 }",
        "maxRelayOpsPerHour: 10, closeSupply: cut, tripMaxCurrentA: 20 }",
      ),
    );
    rig.ingest([rig.read("m1", 1000, { currentA: 45 })]);
    const close = (commandId: string) =>
      rig.ops.lifecycle.close({ account: "a1", reason: "moved out", commandId });
    expect(close("tx-close-7")).toMatchObject({
      ok: false,
      code: "CLOSE_UNDER_LOAD",
      details: { meter: "m1", currentA: 45, tripMaxCurrentA: 20 },
    });
    expect(rig.store.lifecycle.get("a1")?.closedAtMs ?? null).toBeNull();
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([]);
    rig.clock.advance(60_000);
    rig.ingest([rig.read("m1", 1001, { currentA: 3 })]);
    expect(close("tx-close-8")).toMatchObject({ ok: true, result: { supply: "cut" } });
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([["m1", false]]);
    closeEngineRigs();
  });
});
