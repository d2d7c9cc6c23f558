/** Shared CLI output: errors in plain words, quantities with their units, aligned tables. */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { quantityUnits, type QuantityName } from "../../protocols/profiles/quantities.ts";
import type { QuantityValues } from "../../protocols/profiles/decode.ts";

/** A mistake in how a command was called: printed without a stack, exit code 2. */
export class UsageError extends GatewayError {
  override readonly name = "UsageError";

  constructor(message: string) {
    super(ErrorCode.Usage, message);
  }
}

const decimals: Partial<Record<string, number>> = { V: 1, A: 3, W: 1, Hz: 2, "": 3, Wh: 0 };

/** `230.1 V`, `1234567 Wh (1234.567 kWh)`, `0.950`, `0x0010`, `2026-01-05T12:00:07.000Z`. */
export function formatQuantity(name: QuantityName, value: number): string {
  const unit = quantityUnits[name];
  if (name === "serialNumber" || name === "coverOpenCount" || name === "powerDownCount") return String(value);
  if (name === "statusWord3") return `0x${value.toString(16).padStart(4, "0")}`;
  if (name === "meterClockMs") return new Date(value).toISOString();
  const text = value.toFixed(decimals[unit] ?? 3);
  if (unit === "Wh") return `${text} Wh (${(value / 1000).toFixed(3)} kWh)`;
  return unit === "" ? text : `${text} ${unit}`;
}

export function quantityLines(values: QuantityValues): string[][] {
  return (Object.keys(quantityUnits) as QuantityName[])
    .filter((name) => values[name] !== undefined)
    .map((name) => [name, formatQuantity(name, values[name]!)]);
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][], header?: string[]): string {
  const all = header === undefined ? rows : [header, ...rows];
  const widths = all.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return all
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "))
    .join("\n");
}
