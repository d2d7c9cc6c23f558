/** The printed table and the JSON results file. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchDir, fmt, ratioOf, verdictOf, type Figure } from "./common.ts";

export function renderTable(figures: Figure[], quick: boolean): string {
  const rows = figures.map((f) => [
    f.id,
    f.name,
    `${fmt(f.measured)} ${f.unit}`,
    `${fmt(f.limit)} ${f.unit} (${f.limitLabel})`,
    Number.isFinite(ratioOf(f)) ? `${(ratioOf(f) * 100).toFixed(0)} %` : "-",
    verdictOf(f),
    f.scale,
  ]);
  const header = ["#", "figure", "measured", "limit / target", "ratio", "verdict", "scale"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  const notes = figures.filter((f) => f.note !== undefined).map((f) => `  ${f.id}: ${f.note}`);
  return [
    quick
      ? "meter-gateway bench (--quick: reduced scale, see the scale column)"
      : "meter-gateway bench (full scale)",
    line(header),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...rows.map(line),
    "",
    "notes:",
    ...notes,
  ].join("\n");
}

export interface BenchRun {
  startedAt: string;
  quick: boolean;
  node: string;
  cpus: number;
  durationMs: number;
  figures: Array<Figure & { ratio: number; verdict: string }>;
  errors: Array<{ figure: string; error: string }>;
}

/** Writes results/<timestamp>.json and results/latest.json; returns the first path. */
export function writeResults(run: BenchRun): string {
  const dir = join(benchDir, "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${run.startedAt.replace(/[:.]/g, "-")}${run.quick ? "-quick" : ""}.json`);
  const text = `${JSON.stringify(run, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(join(dir, "latest.json"), text);
  return file;
}
