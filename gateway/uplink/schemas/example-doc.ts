/**
 * The example payloads of docs/mqtt.md section 3.4 (one `billing` record per kind), generated between two
 * marker comments from billing-examples.ts, where each is checked against the schema, so the examples
 * an integrator copies cannot drift from what the gateway sends. Formatted with the repository's
 * prettier settings, like the error-code tables (error-code-doc.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { CONTRACT_VERSION } from "../envelope.ts";
import { checkedBillingExamples } from "./billing-examples.ts";
import { mqttDocPath } from "./error-code-doc.ts";

const BEGIN =
  "<!-- billing examples: generated from gateway/uplink/schemas/billing-examples.ts by `npm run schemas` -->";
const END = "<!-- end of generated billing examples -->";

/** The generated part, between and including the markers, formatted. */
async function renderBlock(): Promise<string> {
  const parts = [BEGIN, ""];
  checkedBillingExamples().forEach(({ note, body }, i) => {
    const envelope = {
      v: CONTRACT_VERSION,
      gatewayId: "site-01",
      stream: "billing",
      seq: 1040 + i,
      key: `${body.kind}:example-${i + 1}`,
      wallMs: 1767614400000 + i * 1000,
      monoMs: 8812345 + i * 1000,
      historical: false,
      body,
    };
    parts.push(`\`${body.kind}\`: ${note}.`, "", "```json", JSON.stringify(envelope), "```", "");
  });
  parts.push(END, "");
  // Loaded here, not at the top: only this developer tool needs prettier.
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(mqttDocPath)) ?? {};
  return prettier.format(parts.join("\n"), { ...options, parser: "markdown" });
}

/** `doc` with its generated examples replaced by the current ones. Throws when the markers are missing. */
export async function withBillingExamples(doc: string): Promise<string> {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END, begin);
  if (begin < 0 || end < 0) throw new Error(`docs/mqtt.md lacks the markers ${BEGIN} ... ${END}`);
  const block = await renderBlock();
  const after = doc.slice(end + END.length).replace(/^\n/, "");
  return doc.slice(0, begin) + block + after;
}

/** Whether docs/mqtt.md's billing examples differ from billing-examples.ts. */
export async function exampleDocIsStale(path = mqttDocPath): Promise<boolean> {
  const doc = readFileSync(path, "utf8");
  return (await withBillingExamples(doc)) !== doc;
}

/** Rewrites the billing examples of docs/mqtt.md. */
export async function writeExampleDoc(path = mqttDocPath): Promise<void> {
  writeFileSync(path, await withBillingExamples(readFileSync(path, "utf8")));
}
