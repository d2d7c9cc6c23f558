/**
 * The fault suite's table (fault, runs, what was checked, result, figures) as Markdown, printed by
 * `npm run faults` and written, with the machine and an explanation of each fault, to
 * docs/reliability.md.
 */
import { writeFileSync } from "node:fs";
import { format, resolveConfig } from "prettier";
import type { FaultResult } from "../../faults/types.ts";
import { ABOUT_FAULTS } from "./about.ts";

/** One scenario's outcome in a run: its file name (the `--only` name) and its result. */
export interface ScenarioRow {
  readonly name: string;
  readonly result: FaultResult;
}

/** The run as a whole, for the document's header. */
export interface RunInfo {
  readonly startedAt: Date;
  readonly size: "quick" | "full";
  readonly cpus: number;
  readonly node: string;
  readonly cpuModel: string;
  readonly durationMs: number;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function formatFigures(figures: FaultResult["figures"]): string {
  return Object.entries(figures)
    .map(([key, value]) => `${key}: ${typeof value === "number" ? Number(value.toFixed(3)) : value}`)
    .join(", ");
}

/** The results as one Markdown table. */
export function renderTable(rows: readonly ScenarioRow[]): string {
  const lines = [
    "| fault | runs | checked | result | figures |",
    "| --- | ---: | --- | --- | --- |",
    ...rows.map(({ name, result }) => {
      const cells = [
        `${cell(result.fault)} (\`${name}\`)`,
        String(result.runs),
        cell(result.checked),
        result.passed ? "pass" : "**FAIL**",
        cell(formatFigures(result.figures)),
      ];
      return `| ${cells.join(" | ")} |`;
    }),
  ];
  return lines.join("\n");
}

/** Each failed check, under its scenario (empty when everything passed). */
export function renderFailures(rows: readonly ScenarioRow[]): string {
  const failed = rows.filter((r) => !r.result.passed);
  return failed
    .map(({ name, result }) =>
      [`### ${name}: failed`, "", ...result.failures.map((f) => `- ${cell(f)}`)].join("\n"),
    )
    .join("\n\n");
}

/** The whole docs/reliability.md. */
export function renderDocument(rows: readonly ScenarioRow[], run: RunInfo): string {
  const failures = renderFailures(rows);
  const about = rows.map(({ name, result }) => {
    const text = ABOUT_FAULTS[name] ?? "See the `checked` column above.";
    return `- **${result.fault}** (\`${name}\`): ${text} Run it alone: \`npm run faults -- --only ${name}\`.`;
  });
  return `# Reliability: the field-fault suite

Each fault a real meter room produces is reproduced on the real service (\`meter-gateway run\` as a child
process), a real mosquitto broker and a real SQLite file, and the gateway is checked from outside, the way
a technician or the billing platform would see it. \`npm test\` runs a quick slice of every fault
(\`test/faults/*.test.ts\`); the full run below comes from:

\`\`\`
npm run faults                      # every fault, full size; rewrites this file
npm run faults -- --only sigkill    # one fault (file name in test/faults/scenarios/)
npm run faults -- --quick           # every fault at the quick size npm test uses
FAULT_SEED=<seed> npm run faults -- --only sigkill   # repeat a run's random moments (seed in its figures)
\`\`\`

It needs mosquitto, socat and faketime, and root (the disk-full fault mounts a tmpfs); without them it
stops and prints the command to run. It exits non-zero when any check failed.

## Last full run

${run.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${run.size} size, ${run.cpus} CPUs (nproc) ${run.cpuModel}, Node ${run.node}, ${Math.round(run.durationMs / 1000)} s in all.

${renderTable(rows)}
${failures === "" ? "" : `\n## Failed checks\n\n${failures}\n`}
## The faults

${about.join("\n")}
`;
}

/** Writes {@link renderDocument} to `file`, formatted as `npm run lint` expects (Prettier). */
export async function writeDocument(file: string, rows: readonly ScenarioRow[], run: RunInfo): Promise<void> {
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(renderDocument(rows, run), { ...options, parser: "markdown" }));
}
