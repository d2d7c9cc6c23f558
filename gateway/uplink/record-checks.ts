/**
 * Hand-written checks for the two records the gateway makes on every reading: a `readings` batch and a
 * billing `charge`. They apply exactly the rules of readingsBodySchema and the charge branch of
 * billingBodySchema (records.ts, which stay the contract and generate the JSON Schemas), without zod's
 * per-field work: the zod check cost about 6 µs per reading and 5 µs per charge, a tenth of a
 * reading's whole CPU in the gateway (npm run bench, issue 13). record-checks.test.ts holds both to the
 * schemas on the same good and bad records.
 */
import { readingQualities } from "./records.ts";

/** Why a record fails its schema: the first invalid field's path and what is wrong with it. */
export interface RecordProblem {
  readonly path: string;
  readonly message: string;
}

const qualities: ReadonlySet<unknown> = new Set(readingQualities);
const moneyPattern = /^-?\d+(\.\d{1,7})?$/;
const pricePattern = /^\d+(\.\d{1,4})?$/;

/** A finite number (zod's `z.number()` refuses NaN and infinities). */
function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isId(value: unknown): boolean {
  return typeof value === "string" && value.length >= 1 && value.length <= 64;
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Whether `value` is a plain object with no keys but `allowed` (zod's strictObject). */
function onlyKeys(value: unknown, allowed: ReadonlySet<string>): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

const readingsKeys = new Set(["kind", "readings"]);
const readingKeys = new Set(["readingId", "meterId", "wallMs", "monoMs", "values", "relayClosed", "quality"]);

/** The first problem of a `readings` body (readingsBodySchema), or undefined when it is valid. */
export function readingsBodyProblem(body: unknown): RecordProblem | undefined {
  if (!onlyKeys(body, readingsKeys) || body.kind !== "readings")
    return { path: "", message: "not a readings body" };
  const readings = body.readings;
  if (!Array.isArray(readings) || readings.length === 0) return { path: "readings", message: "empty" };
  for (let i = 0; i < readings.length; i++) {
    const problem = readingProblem(readings[i]);
    if (problem !== undefined) return { path: `readings.${i}.${problem}`, message: `invalid ${problem}` };
  }
  return undefined;
}

/** The invalid field of one reading record, or undefined. */
function readingProblem(r: unknown): string | undefined {
  if (!onlyKeys(r, readingKeys)) return "keys";
  if (!Number.isSafeInteger(r.readingId) || (r.readingId as number) <= 0) return "readingId";
  if (!isId(r.meterId)) return "meterId";
  if (!Number.isSafeInteger(r.wallMs)) return "wallMs";
  if (!isNumber(r.monoMs) || r.monoMs < 0) return "monoMs";
  const values = r.values;
  if (typeof values !== "object" || values === null || Array.isArray(values)) return "values";
  for (const key in values) if (!isNumber((values as Record<string, unknown>)[key])) return "values";
  if (r.relayClosed !== undefined && typeof r.relayClosed !== "boolean") return "relayClosed";
  if (!Array.isArray(r.quality)) return "quality";
  for (const flag of r.quality) if (!qualities.has(flag)) return "quality";
  return undefined;
}

const chargeKeys = new Set([
  "kind",
  "accountId",
  "meterId",
  "readingId",
  "energyWh",
  "amount",
  "balance",
  "parts",
  // A meter behind current and voltage transformers (records-lifecycle.ts transformerChargeFields).
  "rawEnergyWh",
  "ctRatio",
  "ptRatio",
]);
const partKeys = new Set(["energyWh", "price", "period", "tier", "amount"]);

function isMoney(value: unknown): boolean {
  return typeof value === "string" && moneyPattern.test(value);
}

/** The optional CT/PT fields of a charge: raw energy a count, ratios positive integers. */
function transformerProblem(body: Record<string, unknown>): RecordProblem | undefined {
  if (body.rawEnergyWh !== undefined && !isCount(body.rawEnergyWh))
    return { path: "rawEnergyWh", message: "invalid rawEnergyWh" };
  for (const key of ["ctRatio", "ptRatio"] as const) {
    const ratio = body[key];
    if (ratio !== undefined && !(Number.isSafeInteger(ratio) && (ratio as number) > 0))
      return { path: key, message: `invalid ${key}` };
  }
  return undefined;
}

/**
 * The first problem of a billing `charge` body (the charge branch of billingBodySchema), or undefined.
 * Only for bodies whose `kind` is "charge"; every other billing kind goes through the schema.
 */
export function chargeBodyProblem(body: Record<string, unknown>): RecordProblem | undefined {
  if (!onlyKeys(body, chargeKeys)) return { path: "", message: "unknown key" };
  if (!isId(body.accountId)) return { path: "accountId", message: "invalid accountId" };
  if (!isId(body.meterId)) return { path: "meterId", message: "invalid meterId" };
  if (!Number.isSafeInteger(body.readingId) || (body.readingId as number) <= 0)
    return { path: "readingId", message: "invalid readingId" };
  if (!isCount(body.energyWh)) return { path: "energyWh", message: "invalid energyWh" };
  if (!isMoney(body.amount)) return { path: "amount", message: "invalid amount" };
  if (!isMoney(body.balance)) return { path: "balance", message: "invalid balance" };
  const transformer = transformerProblem(body);
  if (transformer !== undefined) return transformer;
  if (!Array.isArray(body.parts)) return { path: "parts", message: "invalid parts" };
  for (let i = 0; i < body.parts.length; i++) {
    const p: unknown = body.parts[i];
    const bad =
      !onlyKeys(p, partKeys) ||
      !isCount(p.energyWh) ||
      typeof p.price !== "string" ||
      !pricePattern.test(p.price) ||
      typeof p.period !== "string" ||
      !isCount(p.tier) ||
      !isMoney(p.amount);
    if (bad) return { path: `parts.${i}`, message: "invalid charge part" };
  }
  return undefined;
}
