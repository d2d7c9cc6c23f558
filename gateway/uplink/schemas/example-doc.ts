/**
 * The example payloads of docs/mqtt.md: one `billing` record per kind (section 3.4) and one event per
 * type and cause (section 3.5), generated between marker comments from billing-examples.ts and
 * event-examples.ts, where each is checked against its schema, so the examples an integrator copies
 * cannot drift from what the gateway sends. Formatted with the repository's prettier settings, like the
 * error-code tables (error-code-doc.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { CONTRACT_VERSION } from "../envelope.ts";
import { checkedBillingExamples } from "./billing-examples.ts";
import { mqttDocPath } from "./error-code-doc.ts";
import { checkedEventExamples } from "./event-examples.ts";

interface Block {
  readonly begin: string;
  readonly end: string;
  readonly lines: () => string[];
}

const generated = (what: string, from: string) =>
  `<!-- ${what}: generated from gateway/uplink/schemas/${from} by \`npm run schemas\` -->`;

const billingBlock: Block = {
  begin: generated("billing examples", "billing-examples.ts"),
  end: "<!-- end of generated billing examples -->",
  lines: () =>
    checkedBillingExamples().flatMap(({ note, body }, i) => {
      const envelope = {
        v: CONTRACT_VERSION,
        gatewayId: "site-01",
        stream: "billing",
        epoch: "9f1c3a5e7b2d4f60",
        seq: 1040 + i,
        key: `9f1c3a5e7b2d4f60:${body.kind}:example-${i + 1}`,
        wallMs: 1767614400000 + i * 1000,
        monoMs: 8812345 + i * 1000,
        historical: false,
        body,
      };
      return [`\`${body.kind}\`: ${note}.`, "", "```json", JSON.stringify(envelope), "```", ""];
    }),
};

// One body per line (JSON Lines): the envelope is as in 3.1; `kind` is always "event".
const eventBlock: Block = {
  begin: generated("event examples", "event-examples.ts"),
  end: "<!-- end of generated event examples -->",
  lines: () => [
    "```jsonl",
    ...checkedEventExamples().map((e) => JSON.stringify({ kind: "event", ...e })),
    "```",
    "",
  ],
};

/** `doc` with `block` replaced by its current text, formatted. Throws when the markers are missing. */
async function withBlock(doc: string, block: Block): Promise<string> {
  const begin = doc.indexOf(block.begin);
  const end = doc.indexOf(block.end, begin);
  if (begin < 0 || end < 0) throw new Error(`docs/mqtt.md lacks the markers ${block.begin} ... ${block.end}`);
  // Loaded here, not at the top: only this developer tool needs prettier.
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(mqttDocPath)) ?? {};
  const text = [block.begin, "", ...block.lines(), block.end, ""].join("\n");
  const formatted = await prettier.format(text, { ...options, parser: "markdown" });
  const after = doc.slice(end + block.end.length).replace(/^\n/, "");
  return doc.slice(0, begin) + formatted + after;
}

/** `doc` with every generated example replaced by the current ones. */
export async function withExamples(doc: string): Promise<string> {
  return withBlock(await withBlock(doc, billingBlock), eventBlock);
}

/** Whether docs/mqtt.md's examples differ from billing-examples.ts and event-examples.ts. */
export async function exampleDocIsStale(path = mqttDocPath): Promise<boolean> {
  const doc = readFileSync(path, "utf8");
  return (await withExamples(doc)) !== doc;
}

/** Rewrites the examples of docs/mqtt.md. */
export async function writeExampleDoc(path = mqttDocPath): Promise<void> {
  writeFileSync(path, await withExamples(readFileSync(path, "utf8")));
}
