/**
 * Every schema of the MQTT contract by its file name in docs/schemas/. The files are generated from here
 * (generate.ts) and a test fails when they differ, so the documentation cannot drift from the code.
 */
import * as z from "zod";
import { clientConfigSchema } from "../client/config.ts";
import { commandCatalog, commandNames } from "../commands/catalog.ts";
import { responseSchemaOf } from "../commands/response.ts";
import { mqttConfigSchema } from "../../config/mqtt.ts";
import { schemaIdBase, streamEnvelopeSchemas } from "../envelope.ts";
import { meterStateSchema, statusSchema } from "../retained-topics.ts";
import { eventDataSchemas } from "../event-data.ts";
import { openToAdditions } from "./open-schemas.ts";

interface ContractSchema {
  readonly title: string;
  readonly schema: z.ZodType;
  /** `input` for config files (what people write, before defaults); `output` for messages. */
  readonly io: "input" | "output";
}

/** File name (without `.schema.json`) -> schema. */
export function contractSchemas(): Map<string, ContractSchema> {
  const map = new Map<string, ContractSchema>();
  for (const [stream, schema] of Object.entries(streamEnvelopeSchemas)) {
    map.set(`stream.${stream}`, { title: `{prefix}/{gatewayId}/${stream}`, schema, io: "output" });
  }
  map.set("status", { title: "{prefix}/{gatewayId}/status (retained)", schema: statusSchema, io: "output" });
  map.set("meter-state", {
    title: "{prefix}/{gatewayId}/meters/{meterId}/state (retained)",
    schema: meterStateSchema,
    io: "output",
  });
  for (const command of commandNames) {
    map.set(`request.${command}`, {
      title: `{prefix}/{gatewayId}/request/${command}`,
      schema: commandCatalog[command].request,
      io: "input",
    });
    map.set(`response.${command}`, {
      title: `{prefix}/{gatewayId}/response/${command}`,
      schema: responseSchemaOf(command),
      io: "output",
    });
  }
  map.set("config.mqtt", { title: "gateway config: mqtt section", schema: mqttConfigSchema, io: "input" });
  map.set("config.client", {
    title: "meter-gateway command --config file",
    schema: clientConfigSchema,
    io: "input",
  });
  return map;
}

/** The JSON Schema of `schema` without its `$schema` line (for a `$defs` entry). */
function definition(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _draft, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "throw",
  });
  return rest;
}

/**
 * `event-data.schema.json`: the `data` of each event type as a `$defs` entry named by the type (open to
 * additions like every output schema), e.g. `event-data.schema.json#/$defs/bus.down`.
 */
function eventDataDocument(): string {
  const defs = Object.fromEntries(
    Object.entries(eventDataSchemas).map(([type, schema]) => [
      type,
      openToAdditions(definition(schema, "output")),
    ]),
  );
  const document = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${schemaIdBase}event-data.schema.json`,
    title: "data of each event type on {prefix}/{gatewayId}/events",
    description:
      "validate an event's body.data with $defs/<body.type>; a type not listed here is newer: ignore it",
    type: "object",
    $defs: defs,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The text of every schema file, by file name, exactly as docs/schemas/ must hold it. */
export function renderSchemas(): Map<string, string> {
  const files = new Map<string, string>([["event-data.schema.json", eventDataDocument()]]);
  for (const [name, { title, schema, io }] of contractSchemas()) {
    const strict = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "throw" });
    // What the gateway sends is open to additions (open-schemas.ts); what it reads stays closed.
    const json = io === "output" ? openToAdditions(strict) : strict;
    const { $schema, ...rest } = json;
    const document = { $schema, $id: `${schemaIdBase}${name}.schema.json`, title, ...rest };
    files.set(`${name}.schema.json`, `${JSON.stringify(document, null, 2)}\n`);
  }
  return files;
}
