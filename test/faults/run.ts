/**
 * `npm run faults [-- --quick] [-- --only sigkill,powercut]`: runs every fault scenario found in
 * test/faults/scenarios/*.ts, one at a time (they drive whole services; overlapping them would measure
 * the machine, not the gateway), prints the table and, after a full run of all of them, rewrites
 * docs/reliability.md. Exits 1 when a scenario failed, 2 when the machine is not ready (with the command
 * that makes it ready) or an argument is wrong.
 */
import { readdirSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { preflightProblems } from "../helpers/faults/preflight.ts";
import { renderFailures, renderTable, writeDocument, type ScenarioRow } from "../helpers/faults/report.ts";
import type { FaultResult, FaultScenario, FaultSize } from "./types.ts";

const here = dirname(fileURLToPath(import.meta.url));
const scenariosDir = join(here, "scenarios");
const documentFile = join(here, "..", "..", "docs", "reliability.md");
/** A scenario that has not finished after this long is reported failed and the run goes on, ms. */
const SCENARIO_TIMEOUT_MS = { quick: 120_000, full: 900_000 } as const;

/** Scenario names (file names without .ts), sorted. */
function discover(): string[] {
  return readdirSync(scenariosDir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts"))
    .map((file) => basename(file, ".ts"))
    .sort();
}

function parseArgs(argv: readonly string[], known: readonly string[]): { size: FaultSize; only: string[] } {
  const size: FaultSize = argv.includes("--quick") ? "quick" : "full";
  const index = argv.indexOf("--only");
  const only = index >= 0 ? (argv[index + 1] ?? "").split(",").filter((n) => n !== "") : [];
  const unknownArgs = argv.filter(
    (a, i) => a !== "--quick" && a !== "--only" && !(i === index + 1 && index >= 0),
  );
  const unknownNames = only.filter((n) => !known.includes(n));
  if (unknownArgs.length > 0 || unknownNames.length > 0 || (index >= 0 && only.length === 0)) {
    process.stderr.write(
      `usage: npm run faults [-- --quick] [-- --only NAME[,NAME]]\n` +
        `${unknownNames.length > 0 ? `unknown fault ${unknownNames.join(", ")}; ` : ""}faults: ${known.join(", ")}\n`,
    );
    process.exit(2);
  }
  return { size, only };
}

function failed(name: string, why: string): FaultResult {
  return { fault: name, runs: 0, checked: "-", passed: false, figures: {}, failures: [why] };
}

/** Imports one scenario and runs it; a throw, a missing export or a hang becomes a failed row. */
async function runOne(name: string, size: FaultSize): Promise<FaultResult> {
  const module = (await import(pathToFileURL(join(scenariosDir, `${name}.ts`)).href)) as {
    scenario?: FaultScenario;
  };
  if (typeof module.scenario !== "function") return failed(name, "the module exports no `scenario` function");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<FaultResult>((resolve) => {
    timer = setTimeout(
      () => resolve(failed(name, `did not finish within ${SCENARIO_TIMEOUT_MS[size] / 1000} s`)),
      SCENARIO_TIMEOUT_MS[size],
    );
  });
  try {
    return await Promise.race([module.scenario({ size }), timeout]);
  } catch (error) {
    return failed(name, `threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

const names = discover();
const { size, only } = parseArgs(process.argv.slice(2), names);
const problems = preflightProblems();
if (problems.length > 0) {
  process.stderr.write(`[faults] cannot run the fault suite:\n${problems.map((p) => `- ${p}`).join("\n")}\n`);
  process.exit(2);
}
const selected = only.length > 0 ? names.filter((n) => only.includes(n)) : names;
const startedAt = new Date();
const began = performance.now();
const rows: ScenarioRow[] = [];
for (const name of selected) {
  process.stderr.write(`[faults] ${name} (${size}) ...\n`);
  const t0 = performance.now();
  const result = await runOne(name, size);
  rows.push({ name, result });
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  process.stderr.write(`[faults]   ${result.passed ? "pass" : "FAIL"} in ${seconds} s\n`);
}
const durationMs = performance.now() - began;
process.stdout.write(`\n${renderTable(rows)}\n`);
const failures = renderFailures(rows);
if (failures !== "") process.stdout.write(`\n${failures}\n`);
if (size === "full" && selected.length === names.length) {
  await writeDocument(documentFile, rows, {
    startedAt,
    size,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "",
    node: process.version,
    durationMs,
  });
  process.stdout.write(`\nwritten: docs/reliability.md\n`);
} else {
  process.stdout.write(`\ndocs/reliability.md not rewritten (only a full run of every fault writes it)\n`);
}
process.stdout.write(`total ${(durationMs / 1000).toFixed(0)} s\n`);
process.exit(rows.every((r) => r.result.passed) ? 0 : 1);
