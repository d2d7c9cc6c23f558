/**
 * Restore by allow-close through the engine: the relay operation's read-back accepts "close allowed,
 * still open" as success, and the customer's close is reported when a later read sees it. A meter
 * without the capability (Modbus) restores directly whatever its account says.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { RelayStatus } from "../metering/controls.ts";
import type { Reading } from "../metering/reading.ts";
import { openStore, type Store } from "../store/index.ts";
import type { RelayPort } from "./engine.ts";
import { PrepaidOperations } from "./operations.ts";
import { ingestInto, rigSettings, startEngine } from "../../test/helpers/billing/engine-rig.ts";

const config = `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: dlt, bus: b1, unit: 1, profile: generic-prepaid, account: a1, restoreMode: allow-close }
  - { id: modbus, bus: b1, unit: 2, profile: generic-prepaid, account: a2 }
accounts:
  - { id: a1, tariff: flat, balance: "1.00", overdraftLimit: "0", closeAllowedMin: "0.20" }
  - { id: a2, tariff: flat, balance: "1.00", overdraftLimit: "0", closeAllowedMin: "0.20", restoreMode: allow-close }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;

/**
 * Meters as their relays behave: `dlt` has a button and status word 3 (after allow-close it stays open,
 * no open command in force, until `pressButton`); `modbus` has neither.
 */
class Relays implements RelayPort {
  readonly calls: string[] = [];
  readonly closed = new Map([
    ["dlt", true],
    ["modbus", true],
  ]);
  private readonly openCommanded = new Set<string>();
  ignoreAllowClose = false;
  canAllowClose = (meterId: string) => meterId === "dlt";
  writeRelay(meterId: string, closed: boolean): Promise<void> {
    this.calls.push(`${meterId}:${closed ? "close" : "trip"}`);
    this.closed.set(meterId, closed);
    if (closed) this.openCommanded.delete(meterId);
    else this.openCommanded.add(meterId);
    return Promise.resolve();
  }
  readRelay(meterId: string): Promise<boolean> {
    return Promise.resolve(this.closed.get(meterId) ?? true);
  }
  allowClose(meterId: string): Promise<void> {
    this.calls.push(`${meterId}:allow-close`);
    if (!this.ignoreAllowClose) this.openCommanded.delete(meterId);
    return Promise.resolve();
  }
  readRelayStatus(meterId: string): Promise<RelayStatus | undefined> {
    if (meterId !== "dlt") return Promise.resolve(undefined);
    return Promise.resolve({
      closed: this.closed.get(meterId) ?? true,
      openCommanded: this.openCommanded.has(meterId),
    });
  }
  control(meterId: string, control: "alarm" | "keep-power", on: boolean): Promise<boolean> {
    if (meterId !== "dlt") return Promise.resolve(false); // a Modbus meter has neither
    this.calls.push(`${meterId}:${control}:${on ? "on" : "off"}`);
    return Promise.resolve(true);
  }
  pressButton(meterId: string): void {
    if (!this.openCommanded.has(meterId)) this.closed.set(meterId, true);
  }
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

function rig() {
  const dir = mkdtempSync(join(tmpdir(), "allow-close-"));
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
  const store: Store = openStore({ dataDir: dir, clock });
  cleanup.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const relays = new Relays();
  const engine = startEngine({ store, clock, settings: rigSettings(config), relay: relays });
  const ingest = ingestInto(store, engine);
  const read = (meterId: string, energyWh: number): Reading => ({
    meterId,
    busId: "b1",
    unit: 1,
    wallMs: clock.now(),
    monoMs: clock.monotonicMs(),
    values: { importEnergyWh: energyWh, powerW: 2000 },
    relayClosed: relays.closed.get(meterId) ?? true,
    quality: [],
    durationMs: 5,
  });
  const poll = async (energyWh: number, afterMs = 60_000) => {
    clock.advance(afterMs);
    ingest([read("dlt", energyWh), read("modbus", energyWh)]);
    await engine.relaysSettled();
  };
  const events = () =>
    store.events
      .list({ limit: 1000 })
      .filter((e) => /^(cut|restore|relay)\./.test(e.type))
      .map((e) => `${e.type}@${e.meterId}`);
  const ops = () =>
    store.relayOps
      .forMeter("dlt", 10)
      .map((o) => [o.action, o.result, o.readback, o.detail])
      .reverse();
  return {
    store,
    clock,
    relays,
    engine,
    poll,
    events,
    ops,
    operations: new PrepaidOperations(engine, store),
  };
}

async function cutBothThenTopUp(r: ReturnType<typeof rig>): Promise<void> {
  await r.poll(1000);
  await r.poll(2500, 3_600_000); // 1.5 kWh in an hour at 1 yuan: both accounts at -0.50, cut
  expect(r.relays.calls).toEqual(["dlt:alarm:on", "dlt:trip", "modbus:trip"]);
  for (const account of ["a1", "a2"]) {
    const topup = r.operations.topup({
      account,
      source: "local",
      amountFen: 500,
      purchaseSeq: 1,
      paymentRef: `p-${account}`,
    });
    expect(topup.ok).toBe(true);
  }
  await r.engine.relaysSettled();
}

describe("restore by allow-close", () => {
  it("allows the close on the DL/T meter, closes the Modbus meter directly, and reports the customer's close", async () => {
    const r = rig();
    await cutBothThenTopUp(r);
    expect(r.relays.calls).toEqual([
      "dlt:alarm:on",
      "dlt:trip",
      "modbus:trip",
      "dlt:allow-close",
      "modbus:close",
    ]);
    expect(r.ops()).toEqual([
      ["cut", "ok", "open", null],
      ["restore", "ok", "open", "close allowed: waiting for the customer's button"],
    ]);
    expect(r.events()).toEqual([
      "cut.announced@dlt",
      "cut.announced@modbus",
      "cut.done@dlt",
      "cut.done@modbus",
      "restore.allowed@dlt",
      "restore.done@modbus",
    ]);

    // Polls while nobody pressed the button: open, as expected, nothing reported or re-driven.
    for (let i = 0; i < 5; i++) await r.poll(2500);
    expect(r.relays.calls).toHaveLength(5);
    r.relays.pressButton("dlt");
    await r.poll(2500);
    await r.poll(2500);
    expect(r.events().slice(6)).toEqual(["restore.customer-closed@dlt"]);
    expect(r.relays.calls).toHaveLength(5);
  });

  it("an allow-close the meter did not take (open command still in force) is a mismatch, re-driven", async () => {
    const r = rig();
    r.relays.ignoreAllowClose = true;
    await cutBothThenTopUp(r);
    expect(r.ops()[1]).toEqual(["restore", "readback_mismatch", "open", null]);
    expect(r.events()).toContain("relay.mismatch@dlt");
    r.relays.ignoreAllowClose = false;
    await r.poll(2500); // 60 s later: the re-drive is due
    expect(r.relays.calls.filter((c) => c === "dlt:allow-close")).toHaveLength(2);
    expect(r.events()).toContain("relay.mismatch.cleared@dlt");
  });

  it("account.set switches an account's meters to allow-close (and the answer says so)", () => {
    const r = rig();
    expect(r.operations.accountRestoreMode("a1")).toBe("direct");
    expect(r.operations.accountSet("a1", { restoreMode: "allow-close" }).ok).toBe(true);
    expect(r.operations.accountRestoreMode("a1")).toBe("allow-close");
    expect(r.operations.accountRestoreMode("a2")).toBe("allow-close");
  });

  it("the meter's alarm follows alarm 1 and its keep-power follows the account (where the meter has them)", async () => {
    const r = rig();
    await r.poll(1000);
    await r.poll(1100, 3_600_000); // 0.10 yuan charged: 0.90, at or below alarm 1 (50)
    const topup = r.operations.topup({
      account: "a1",
      amountFen: 10_000,
      purchaseSeq: 1,
      paymentRef: "p1",
      source: "local",
    });
    expect(topup.ok).toBe(true); // 101 yuan: above alarm 1 (50)
    expect(r.operations.protect("a1", true, "hospital").ok).toBe(true);
    expect(r.operations.protect("a1", false, "released").ok).toBe(true);
    expect(r.operations.protect("a2", true, "street lighting").ok).toBe(true);
    await r.engine.relaysSettled();
    expect(r.relays.calls).toEqual([
      "dlt:alarm:on",
      "dlt:alarm:off",
      "dlt:keep-power:on",
      "dlt:keep-power:off",
    ]);
  });
});
