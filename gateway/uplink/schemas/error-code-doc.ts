/**
 * The error-code tables of docs/mqtt.md (section 6.5), generated from the one code map (commands/codes.ts)
 * between two marker comments, so the documented codes are exactly the ones the gateway answers with.
 * Formatted with the repository's prettier settings, so `prettier --check` agrees with the result.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { executorErrorCodes, uplinkErrorCodes } from "../commands/codes.ts";

/** docs/mqtt.md of this repository. */
export const mqttDocPath = fileURLToPath(new URL("../../../docs/mqtt.md", import.meta.url));

const BEGIN = "<!-- error codes: generated from gateway/uplink/commands/codes.ts by `npm run schemas` -->";
const END = "<!-- end of generated error codes -->";

function table(codes: Readonly<Record<string, string>>): string {
  const rows = Object.entries(codes).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
  return ["| Code | Meaning |", "| --- | --- |", ...rows].join("\n");
}

/** The generated part, between and including the markers, formatted. */
async function renderBlock(): Promise<string> {
  const text = [
    BEGIN,
    "",
    "Checked by the gateway in this order, before anything is executed:",
    "",
    table(uplinkErrorCodes),
    "",
    "Then the gateway answers for the command itself:",
    "",
    table(executorErrorCodes),
    "",
    "Codes always match `^[A-Z][A-Z0-9_]{1,63}$`. A newer gateway may add codes: treat an unknown one as a refusal.",
    "",
    END,
    "",
  ].join("\n");
  // Loaded here, not at the top: only this developer tool needs prettier.
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(mqttDocPath)) ?? {};
  return prettier.format(text, { ...options, parser: "markdown" });
}

/** `doc` with its generated part replaced by the current one. Throws when the markers are missing. */
export async function withErrorCodes(doc: string): Promise<string> {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END, begin);
  if (begin < 0 || end < 0) throw new Error(`docs/mqtt.md lacks the markers ${BEGIN} ... ${END}`);
  const block = await renderBlock();
  const after = doc.slice(end + END.length).replace(/^\n/, "");
  return doc.slice(0, begin) + block + after;
}

/** Whether docs/mqtt.md's error-code tables differ from the code map. */
export async function errorCodeDocIsStale(path = mqttDocPath): Promise<boolean> {
  const doc = readFileSync(path, "utf8");
  return (await withErrorCodes(doc)) !== doc;
}

/** Rewrites the error-code tables of docs/mqtt.md from the code map. */
export async function writeErrorCodeDoc(path = mqttDocPath): Promise<void> {
  writeFileSync(path, await withErrorCodes(readFileSync(path, "utf8")));
}
