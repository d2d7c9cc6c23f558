/**
 * `npm run faults` itself: what it refuses before running anything, and the report it writes. The
 * scenarios are exercised by their own quick tests.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { check } from "prettier";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";
import { tempDir } from "../helpers/index.ts";
import { preflightProblems } from "../helpers/faults/preflight.ts";
import { renderDocument, renderTable, writeDocument } from "../helpers/faults/report.ts";
import type { FaultResult } from "./types.ts";

const runner = fileURLToPath(new URL("./run.ts", import.meta.url));

const result = (passed: boolean): FaultResult => ({
  fault: "SIGKILL under load",
  runs: 50,
  checked: "integrity_check | ledger sums",
  passed,
  figures: { kills: 50, "kWh charged": 4.91349 },
  failures: passed ? [] : ["kill 7: account A-1: balance 1 e7 but ledger sums to 2"],
});

describe("npm run faults", () => {
  it("names the faults it knows when asked for another one, and runs nothing", async () => {
    const run = await runCli(runner, ["--only", "nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown fault nope");
    for (const name of ["fuzz", "powercut", "sigkill"])
      expect(run.stderr).toMatch(new RegExp(`faults: .*\\b${name}\\b`));
  });

  it("stops with the command to run when it is not root", () => {
    expect(preflightProblems(false).join("\n")).toContain('sudo env PATH="$PATH" npm run faults');
    expect(preflightProblems(true)).toEqual([]);
  });

  it("reports each fault's row, its failed checks and how to run it, formatted as npm run lint expects", async () => {
    const rows = [{ name: "sigkill", result: result(false) }];
    expect(renderTable(rows)).toContain(
      "| SIGKILL under load (`sigkill`) | 50 | integrity_check \\| ledger sums | **FAIL** | kills: 50, kWh charged: 4.913 |",
    );
    const run = {
      startedAt: new Date("2026-12-01T15:00:00Z"),
      size: "full",
      cpus: 2,
      cpuModel: "Test CPU",
      node: "v20.19.0",
      durationMs: 600_000,
    } as const;
    const doc = renderDocument(rows, run);
    expect(doc).toContain("2026-12-01 15:00 UTC, full size, 2 CPUs (nproc) Test CPU, Node v20.19.0, 600 s");
    expect(doc).toContain("- kill 7: account A-1: balance 1 e7 but ledger sums to 2");
    expect(doc).toContain("npm run faults -- --only sigkill");
    const file = join((await tempDir("reliability-")).path, "reliability.md");
    await writeDocument(file, rows, run);
    expect(await check(readFileSync(file, "utf8"), { parser: "markdown", printWidth: 110 })).toBe(true);
  });
});
