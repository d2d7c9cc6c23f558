import { describe, expect, it } from "vitest";
import type { MeterStatus } from "../service/status-report.ts";
import { accountCell, meterNotes, yuan } from "./status-command.ts";

const meter: MeterStatus = {
  id: "flat-2",
  bus: "rs485",
  unit: 2,
  profile: "generic-prepaid",
  state: "online",
  lastSeenMs: 0,
  importEnergyWh: 1000,
  powerW: 0,
  relay: "closed",
  account: "flat-2",
  customerNo: null,
  accountClosedAtMs: null,
  balance: "-0.0528300",
  lastError: null,
  protected: null,
  lastPurchaseSeq: 3,
  billing: { heldReadings: null, heldJumps: [], relayDisobeys: null, cut: null, replacement: null },
};

describe("status account cell", () => {
  it("shows the customer number and a closed account", () => {
    expect(accountCell(meter)).toBe("flat-2");
    const closed = { ...meter, customerNo: "CUST-9", accountClosedAtMs: Date.UTC(2026, 11, 1) };
    expect(accountCell(closed)).toBe("flat-2 (CUST-9), closed 2026-12-01T00:00:00.000Z");
  });
});

describe("status notes", () => {
  it("name a stuck relay, the cut and its reason, and the last error", () => {
    const stuck: MeterStatus = {
      ...meter,
      lastError: "FC01 0x0000 x1: no reply from unit 2",
      billing: {
        ...meter.billing,
        relayDisobeys: { expected: "open", actual: "closed", redrives: 2 },
        cut: { reason: "remote", detail: "tampering", executed: true, plannedAtMs: null, waiting: null },
      },
    };
    expect(meterNotes(stuck)).toEqual([
      "supply cut (remote cut: tampering)",
      "relay does not follow its command: commanded open, reads closed (re-driven 2 time(s))",
      "last error: FC01 0x0000 x1: no reply from unit 2",
    ]);
  });

  it("name an announced arrears cut with its time, and keep-power with its end", () => {
    const announced: MeterStatus = {
      ...meter,
      protected: { reason: "hospital", untilMs: Date.UTC(2026, 11, 24) },
      billing: {
        ...meter.billing,
        cut: {
          reason: "arrears",
          detail: null,
          executed: false,
          plannedAtMs: Date.UTC(2026, 11, 1, 10, 30),
          waiting: null,
        },
      },
    };
    expect(meterNotes(announced)).toEqual([
      "cut announced for 2026-12-01T10:30:00.000Z (arrears) unless topped up",
      "protected (keep-power: hospital until 2026-12-24T00:00:00.000Z): never cut",
    ]);
    expect(meterNotes(meter)).toEqual([]);
  });

  it("say what a due cut waits for", () => {
    const waiting: MeterStatus = {
      ...meter,
      billing: {
        ...meter.billing,
        cut: {
          reason: "arrears",
          detail: null,
          executed: false,
          plannedAtMs: Date.UTC(2026, 11, 1, 10, 30),
          waiting: {
            reason: "heavy-load",
            waitingFor: "the load to drop: the meter draws 40 A, above policy.tripMaxCurrentA",
            untilMs: null,
            currentA: 40,
            overlong: false,
          },
        },
      },
    };
    expect(meterNotes(waiting)).toEqual([
      "cut due since 2026-12-01T10:30:00.000Z (arrears), waiting for the load to drop: the meter draws 40 A, above policy.tripMaxCurrentA",
    ]);
  });

  it("name a tariff's next set and its switch-over", () => {
    const switching: MeterStatus = {
      ...meter,
      tariff: { id: "block", nextFromMs: Date.UTC(2027, 0, 1), tierCounter: null },
    };
    expect(meterNotes(switching)).toEqual(["tariff block: next set takes effect 2027-01-01T00:00:00.000Z"]);
    expect(meterNotes({ ...switching, tariff: { ...switching.tariff!, nextFromMs: null } })).toEqual([]);
  });

  it("show balances as yuan with two decimals, never overstating credit", () => {
    expect(yuan("-0.0528300")).toBe("-0.06 yuan");
    expect(yuan("79.9989434")).toBe("79.99 yuan");
  });
});
