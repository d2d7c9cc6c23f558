/**
 * The documentation cannot drift from the code: docs/schemas/ must equal what the zod schemas generate,
 * docs/mqtt.md's error-code tables what the code map generates, and docs/mqtt.md must name every schema
 * file, command, error code, stream and event type.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { commandNames } from "../../gateway/uplink/commands/catalog.ts";
import { commandErrorCodes } from "../../gateway/uplink/commands/codes.ts";
import { billingBodySchema, eventTypes, streamSchemas } from "../../gateway/uplink/records.ts";
import { renderSchemas } from "../../gateway/uplink/schemas/contract-schemas.ts";
import { errorCodeDocIsStale } from "../../gateway/uplink/schemas/error-code-doc.ts";
import { exampleDocIsStale } from "../../gateway/uplink/schemas/example-doc.ts";
import { schemaDrift } from "../../gateway/uplink/schemas/generate.ts";

const regenerate = "node --import tsx gateway/uplink/schemas/generate.ts";
const doc = readFileSync(new URL("../../docs/mqtt.md", import.meta.url), "utf8");
type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];
const publishedSchema = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../docs/schemas/${name}.schema.json`, import.meta.url), "utf8"),
  ) as JsonSchema;

describe("contract documentation", () => {
  it("docs/schemas/ matches the zod schemas", () => {
    expect(schemaDrift(), `docs/schemas is stale; run: ${regenerate}`).toEqual([]);
  });

  it("docs/mqtt.md's error-code tables match the code map, one row per code", async () => {
    expect(await errorCodeDocIsStale(), `docs/mqtt.md is stale; run: ${regenerate}`).toBe(false);
    const rows = doc.match(/^\| `[A-Z][A-Z0-9_]+` +\|/gm) ?? [];
    expect(rows.map((row) => /`(\w+)`/.exec(row)?.[1]).sort()).toEqual(Object.keys(commandErrorCodes).sort());
  });

  it("docs/mqtt.md shows one billing record per kind, each valid against the published schema", async () => {
    expect(await exampleDocIsStale(), `docs/mqtt.md is stale; run: ${regenerate}`).toBe(false);
    const block =
      /<!-- billing examples:[^]*?<!-- end of generated billing examples -->/.exec(doc)?.[0] ?? "";
    const examples = [...block.matchAll(/```json\n([^]*?)```/g)].map(
      (match) => JSON.parse(match[1]!) as { body: { kind: string } },
    );
    const kinds = billingBodySchema.options.flatMap(({ shape: { kind } }) =>
      "options" in kind ? kind.options : [...kind.values],
    );
    expect(examples.map((e) => e.body.kind).sort()).toEqual([...kinds].sort());
    const published = z.fromJSONSchema(publishedSchema("stream.billing"));
    for (const example of examples)
      expect(published.safeParse(example).success, example.body.kind).toBe(true);
  });

  it("docs/mqtt.md shows an event of every type, valid against stream.events and event-data.schema.json", () => {
    const block = /<!-- event examples:[^]*?<!-- end of generated event examples -->/.exec(doc)?.[0] ?? "";
    const lines = /```jsonl\n([^]*?)```/.exec(block)?.[1]?.trim().split("\n") ?? [];
    const bodies = lines.map((line) => JSON.parse(line) as { type: string; data: unknown });
    expect([...new Set(bodies.map((b) => b.type))].sort()).toEqual([...eventTypes].sort());
    const events = z.fromJSONSchema(publishedSchema("stream.events"));
    const { $defs } = publishedSchema("event-data") as { $defs: Record<string, JsonSchema> };
    expect(Object.keys($defs).sort()).toEqual([...eventTypes].sort());
    const envelope = { v: 1, gatewayId: "site-01", stream: "events", seq: 1, key: "k", wallMs: 1, monoMs: 1 };
    for (const body of bodies) {
      expect(events.safeParse({ ...envelope, historical: false, body }).success, body.type).toBe(true);
      expect(z.fromJSONSchema($defs[body.type]!).safeParse(body.data).success, body.type).toBe(true);
    }
    // The data schemas check what they promise: a field of the wrong type is refused.
    expect(z.fromJSONSchema($defs["bus.down"]!).safeParse({ busId: 7, error: null }).success).toBe(false);
  });

  it("every generated schema is valid JSON Schema 2020-12 with a title and a versioned $id", () => {
    for (const [file, text] of renderSchemas()) {
      const schema = JSON.parse(text) as { $schema: string; $id: string; title: string };
      expect(schema.$schema, file).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(schema.$id, file).toBe(`https://meter-gateway.example/schemas/v1/${file}`);
      expect(schema.title, file).toBeTruthy();
    }
  });

  it("the published account.set schema refuses a request that changes nothing", () => {
    const schema = JSON.parse(
      readFileSync(new URL("../../docs/schemas/request.account.set.schema.json", import.meta.url), "utf8"),
    ) as { required: string[]; anyOf?: { required: string[] }[] };
    // JSON Schema: an instance is valid only if it has every `required` field and matches one `anyOf`.
    const accepts = (request: Record<string, unknown>) =>
      schema.required.every((k) => k in request) &&
      (schema.anyOf ?? [{ required: [] }]).some((alt) => alt.required.every((k) => k in request));
    const base = { transaction: "tx-00000001", gatewayId: "gw", issuedAt: 1, expiresAt: 2, signature: "0" };
    expect(accepts({ ...base, account: "A-1" })).toBe(false);
    expect(accepts({ ...base, account: "A-1", alarm1: "60" })).toBe(true);
  });

  it("docs/mqtt.md names every schema file, command, error code, stream and event type", () => {
    const names = [
      ...renderSchemas().keys(),
      ...commandNames.map((c) => `request/${c}`),
      ...Object.keys(commandErrorCodes),
      ...Object.keys(streamSchemas),
      ...eventTypes,
    ];
    expect(names.filter((name) => !doc.includes(name))).toEqual([]);
  });
});
