/**
 * Rewrites docs/schemas/ from the zod schemas of the MQTT contract, and the error-code tables and billing
 * examples of docs/mqtt.md from the code map (error-code-doc.ts) and billing-examples.ts (example-doc.ts).
 *
 *   node --import tsx gateway/uplink/schemas/generate.ts           # write
 *   node --import tsx gateway/uplink/schemas/generate.ts --check   # exit 1 if either is stale
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderSchemas } from "./contract-schemas.ts";
import { errorCodeDocIsStale, writeErrorCodeDoc } from "./error-code-doc.ts";
import { exampleDocIsStale, writeExampleDoc } from "./example-doc.ts";

/** docs/schemas/ of this repository. */
export const schemasDir = fileURLToPath(new URL("../../../docs/schemas/", import.meta.url));

/** File names that differ between the code and `dir` (missing, changed or stale). */
export function schemaDrift(dir = schemasDir): string[] {
  const expected = renderSchemas();
  const present = new Set(readdirSafe(dir).filter((f) => f.endsWith(".schema.json")));
  const drift: string[] = [];
  for (const [file, text] of expected) {
    if (!present.has(file) || readFileSync(join(dir, file), "utf8") !== text) drift.push(file);
  }
  for (const file of present) if (!expected.has(file)) drift.push(file);
  return drift.sort();
}

/** Writes every schema file into `dir` and removes schema files the contract no longer has. */
export function writeSchemas(dir = schemasDir): number {
  mkdirSync(dir, { recursive: true });
  const expected = renderSchemas();
  for (const file of readdirSafe(dir)) {
    if (file.endsWith(".schema.json") && !expected.has(file)) rmSync(join(dir, file));
  }
  for (const [file, text] of expected) writeFileSync(join(dir, file), text);
  return expected.size;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rerun = `run: node --import tsx ${process.argv[1]}`;
  if (process.argv.includes("--check")) {
    const drift = schemaDrift();
    if (drift.length > 0) process.stderr.write(`docs/schemas is stale: ${drift.join(", ")}\n`);
    const docStale = await errorCodeDocIsStale();
    if (docStale) process.stderr.write("docs/mqtt.md's error-code tables differ from commands/codes.ts\n");
    const examplesStale = await exampleDocIsStale();
    if (examplesStale)
      process.stderr.write("docs/mqtt.md's examples differ from billing-examples.ts or event-examples.ts\n");
    if (drift.length > 0 || docStale || examplesStale) {
      process.stderr.write(`${rerun}\n`);
      process.exitCode = 1;
    }
  } else {
    process.stdout.write(`wrote ${writeSchemas()} schema files to ${schemasDir}\n`);
    await writeErrorCodeDoc();
    process.stdout.write("wrote the error-code tables of docs/mqtt.md\n");
    await writeExampleDoc();
    process.stdout.write("wrote the examples of docs/mqtt.md\n");
  }
}
