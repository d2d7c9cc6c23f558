import { describe, expect, it } from "vitest";
import {
  assessIdentity,
  confirmReplacement,
  type IdentityReading,
  type IdentityVerdict,
  type MeterIdentity,
} from "./meter-identity.ts";

const read = (serial: number | undefined, energyWh: number, wallMs: number): IdentityReading => ({
  serial,
  energyWh,
  wallMs,
});

/** Feeds [serial, register, baseline] steps; returns each verdict's kind and the last identity. */
function feed(steps: Array<[number | undefined, number, number | undefined]>) {
  let identity: MeterIdentity | undefined;
  const verdicts: IdentityVerdict[] = [];
  steps.forEach(([serial, energyWh, baselineWh], i) => {
    const result = assessIdentity(identity, read(serial, energyWh, (i + 1) * 1000), baselineWh);
    identity = result.identity;
    verdicts.push(result.verdict);
  });
  return { kinds: verdicts.map((v) => v.kind), verdicts, identity };
}

describe("assessIdentity", () => {
  it.each([
    ["the first serial is learned", [[111, 5000, undefined]], ["first"]],
    [
      "the same serial is the same meter",
      [
        [111, 5000, undefined],
        [111, 5100, 5000],
      ],
      ["first", "same"],
    ],
    [
      "no serial read (optional register failed): nothing to compare",
      [
        [111, 5000, undefined],
        [undefined, 0, 5000],
      ],
      ["first", "same"],
    ],
    [
      "a changed serial is a replacement, whatever the registers do",
      [
        [111, 5000, undefined],
        [222, 9_000_000, 5000],
      ],
      ["first", "replaced"],
    ],
    [
      "a meter without a serial map is never judged",
      [
        [undefined, 5000, undefined],
        [undefined, 0, 5000],
      ],
      ["same", "same"],
    ],
  ] as const)("%s", (_name, steps, kinds) => {
    expect(feed(steps.map((s) => [...s])).kinds).toEqual(kinds);
  });

  it("carries old and new serial and registers, and keeps the replacement pending", () => {
    const { verdicts, identity } = feed([
      [111, 5000, undefined],
      [222, 40, 5100],
    ]);
    const replacement = { oldSerial: 111, newSerial: 222, oldEnergyWh: 5100, newEnergyWh: 40, atMs: 2000 };
    expect(verdicts[1]).toEqual({ kind: "replaced", replacement, superseded: undefined });
    expect(identity).toEqual({ serial: 222, pending: replacement });
  });

  it("a second change before confirmation supersedes the first", () => {
    const { verdicts, identity } = feed([
      [111, 5000, undefined],
      [222, 40, 5100],
      [333, 7, 60],
    ]);
    expect(verdicts[2]).toMatchObject({
      kind: "replaced",
      replacement: { oldSerial: 222, newSerial: 333, oldEnergyWh: 60, newEnergyWh: 7 },
      superseded: { newSerial: 222 },
    });
    expect(identity?.pending?.newSerial).toBe(333);
  });
});

describe("confirmReplacement", () => {
  const pending: MeterIdentity = {
    serial: 222,
    pending: { oldSerial: 111, newSerial: 222, oldEnergyWh: 5100, newEnergyWh: 40, atMs: 2000 },
  };
  it.each([
    ["nothing pending", { serial: 111, pending: undefined }, 111, { ok: false, reason: "none-pending" }],
    ["unknown meter", undefined, 111, { ok: false, reason: "none-pending" }],
    ["another serial than the one seen", pending, 999, { ok: false, reason: "serial-mismatch" }],
    ["the serial seen", pending, 222, { ok: true, identity: { serial: 222, pending: undefined } }],
  ] as const)("%s", (_name, identity, serial, outcome) => {
    expect(confirmReplacement(identity, serial)).toMatchObject(outcome);
  });
});
