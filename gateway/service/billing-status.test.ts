import { describe, expect, it } from "vitest";
import { waitingFor } from "../billing/cut-wait.ts";
import { billingProblems, type MeterBillingStatus, type StorageStatus } from "./billing-status.ts";

const T0 = Date.UTC(2026, 0, 5, 12);
const fine: MeterBillingStatus = {
  heldReadings: null,
  heldJumps: [],
  relayDisobeys: null,
  cut: null,
  replacement: null,
};
const storing: StorageStatus = { failing: false, episode: null, failedBatchesTotal: 0 };

const problems = (billing: Partial<MeterBillingStatus>, storage: StorageStatus = storing) =>
  billingProblems({ meters: [{ id: "m1", billing: { ...fine, ...billing } }], storage });

describe("billingProblems", () => {
  it.each([
    ["billing normally", {}, []],
    [
      "one held reading is noise",
      { heldReadings: { sinceMs: T0, readings: 1, reason: "spike", stalled: false } },
      [],
    ],
    [
      "a stalled run of held readings",
      { heldReadings: { sinceMs: T0, readings: 4, reason: "wall-implausible", stalled: true } },
      [
        "meter m1: readings held, not billed: 4 in a row since 2026-01-05T12:00:00.000Z (the wall clock is not set)",
      ],
    ],
    [
      "held jumps",
      {
        heldJumps: [
          { anomaly: 3, energyWh: 500 },
          { anomaly: 5, energyWh: 700 },
        ],
      },
      [
        "meter m1: 1200 Wh in 2 energy jump(s) held, not billed, until anomaly.resolve charges or waives them (anomaly 3, 5)",
      ],
    ],
    [
      "a cut waiting for keep-power is normal",
      {
        cut: {
          reason: "arrears" as const,
          detail: null,
          executed: false,
          plannedAtMs: T0,
          waiting: {
            reason: "keep-power-silence",
            waitingFor: waitingFor("keep-power-silence", undefined),
            untilMs: null,
            currentA: null,
            overlong: false,
          },
        },
      },
      [],
    ],
    [
      "a cut waiting for the load longer than tripMaxDeferMin",
      {
        cut: {
          reason: "arrears" as const,
          detail: null,
          executed: false,
          plannedAtMs: T0,
          waiting: {
            reason: "heavy-load",
            waitingFor: waitingFor("heavy-load", 40),
            untilMs: null,
            currentA: 40,
            overlong: true,
          },
        },
      },
      [
        "meter m1: the cut has waited longer than policy.tripMaxDeferMin for the load to drop: the meter draws 40 A, above policy.tripMaxCurrentA; it runs when the load drops, or the platform decides",
      ],
    ],
    [
      "a relay that does not follow",
      { relayDisobeys: { expected: "open", actual: "closed", redrives: 2 } },
      ["meter m1: relay does not follow its command: commanded open, reads closed (re-driven 2 time(s))"],
    ],
    [
      "an unconfirmed replacement",
      {
        replacement: {
          oldSerial: 1,
          newSerial: 2,
          oldEnergyWh: null,
          newEnergyWh: 0,
          atMs: T0,
          billing: "billed from the new meter's register; the jump is not charged",
        },
      },
      [
        "meter m1: replaced (serial 1 -> 2) and not confirmed: billed from the new meter's register; the jump is not charged; confirm with meter.replace.confirm",
      ],
    ],
  ] as const)("%s", (_name, billing, expected) => {
    expect(problems(billing as Partial<MeterBillingStatus>)).toEqual(expected);
  });

  it("names failing batches with their count, lost readings and last error", () => {
    const storage: StorageStatus = {
      failing: true,
      episode: { sinceMs: T0, batches: 3, readings: 12, lastError: "database or disk is full", lastAtMs: T0 },
      failedBatchesTotal: 3,
    };
    expect(problems({}, storage)).toEqual([
      "readings cannot be stored, so they are not billed: 3 batch(es), 12 reading(s) lost since 2026-01-05T12:00:00.000Z; last error: database or disk is full",
    ]);
  });
});
