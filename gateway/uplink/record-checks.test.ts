import { describe, expect, it } from "vitest";
import { billingBodySchema, readingsBodySchema } from "./records.ts";
import { chargeBodyProblem, readingsBodyProblem } from "./record-checks.ts";

const reading = {
  readingId: 7,
  meterId: "m1",
  wallMs: 1_700_000_000_000,
  monoMs: 12.5,
  values: { importEnergyWh: 1000, voltageV: 230.1 },
  relayClosed: true,
  quality: ["retried"],
};

/** Each case replaces one field of a valid reading record (undefined: removes it). */
const readingCases: Array<[string, Record<string, unknown>]> = [
  ["valid", {}],
  ["no relay position", { relayClosed: undefined }],
  ["negative wall time (before a first clock sync)", { wallMs: -5 }],
  ["empty values", { values: {} }],
  ["readingId 0", { readingId: 0 }],
  ["fractional readingId", { readingId: 1.5 }],
  ["readingId beyond safe integers", { readingId: 2 ** 53 }],
  ["readingId as text", { readingId: "7" }],
  ["no meterId", { meterId: undefined }],
  ["empty meterId", { meterId: "" }],
  ["meterId of 65 characters", { meterId: "m".repeat(65) }],
  ["meterId of 64 characters", { meterId: "m".repeat(64) }],
  ["fractional wall time", { wallMs: 1.5 }],
  ["negative monotonic time", { monoMs: -1 }],
  ["NaN value", { values: { importEnergyWh: Number.NaN } }],
  ["infinite value", { values: { powerW: Number.POSITIVE_INFINITY } }],
  ["value as text", { values: { powerW: "5" } }],
  ["values as an array", { values: [1, 2] }],
  ["values null", { values: null }],
  ["relay position as a number", { relayClosed: 1 }],
  ["unknown quality flag", { quality: ["garbled"] }],
  ["quality not an array", { quality: "retried" }],
  ["unknown key", { extra: 1 }],
];

const charge = {
  kind: "charge",
  accountId: "a1",
  meterId: "m1",
  readingId: 9,
  energyWh: 12,
  amount: "-0.0063396",
  balance: "4999.9936604",
  parts: [{ energyWh: 12, price: "0.5283", period: "flat", tier: 0, amount: "0.0063396" }],
};
const part = charge.parts[0]!;

const chargeCases: Array<[string, Record<string, unknown>]> = [
  ["valid", {}],
  ["no parts", { parts: [] }],
  ["unknown key", { note: "x" }],
  ["empty accountId", { accountId: "" }],
  ["no meterId", { meterId: undefined }],
  ["readingId 0", { readingId: 0 }],
  ["negative energy", { energyWh: -1 }],
  ["fractional energy", { energyWh: 0.5 }],
  ["amount as a number", { amount: -0.0063 }],
  ["amount with 8 decimals", { amount: "-0.00633960" }],
  ["balance with a plus sign", { balance: "+1.00" }],
  ["balance without digits", { balance: "-" }],
  ["part with a negative price", { parts: [{ ...part, price: "-0.5" }] }],
  ["part with a 5-decimal price", { parts: [{ ...part, price: "0.52830" }] }],
  ["part with a fractional tier", { parts: [{ ...part, tier: 0.5 }] }],
  ["part without a period", { parts: [{ ...part, period: undefined }] }],
  ["part with an unknown key", { parts: [{ ...part, rate: 1 }] }],
  ["part with a bad amount", { parts: [{ ...part, amount: "1e3" }] }],
  ["parts not an array", { parts: part }],
  ["behind CT/PT", { rawEnergyWh: 1, ctRatio: 4, ptRatio: 3 }],
  ["CT only", { rawEnergyWh: 3, ctRatio: 4 }],
  ["fractional raw energy", { rawEnergyWh: 0.5, ctRatio: 4 }],
  ["negative raw energy", { rawEnergyWh: -1, ctRatio: 4 }],
  ["CT ratio 0", { rawEnergyWh: 3, ctRatio: 0 }],
  ["fractional PT ratio", { rawEnergyWh: 3, ptRatio: 1.5 }],
  ["CT ratio as text", { rawEnergyWh: 3, ctRatio: "4" }],
];

function withChange(base: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const result = { ...base, ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete result[key];
  return result;
}

describe("hand-written record checks agree with the published schemas", () => {
  it.each(readingCases)("readings: %s", (_name, change) => {
    const body = { kind: "readings", readings: [reading, withChange(reading, change)] };
    const zodAccepts = readingsBodySchema.safeParse(body).success;
    expect(readingsBodyProblem(body) === undefined).toBe(zodAccepts);
  });

  it("readings: an empty batch, another kind, or a batch that is not an array is refused", () => {
    for (const body of [
      { kind: "readings", readings: [] },
      { kind: "reading", readings: [reading] },
      { kind: "readings", readings: reading },
      { kind: "readings", readings: [reading], extra: 1 },
    ]) {
      expect(readingsBodySchema.safeParse(body).success).toBe(false);
      expect(readingsBodyProblem(body)).toBeDefined();
    }
  });

  it("readings: names the first invalid field", () => {
    const body = { kind: "readings", readings: [reading, { ...reading, monoMs: -1 }] };
    expect(readingsBodyProblem(body)).toEqual({ path: "readings.1.monoMs", message: "invalid monoMs" });
  });

  it.each(chargeCases)("charge: %s", (_name, change) => {
    const body = withChange(charge, change);
    const zodAccepts = billingBodySchema.safeParse(body).success;
    expect(chargeBodyProblem(body) === undefined).toBe(zodAccepts);
  });
});
