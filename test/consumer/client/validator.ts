/**
 * Every message checked against the published JSON Schemas (docs/schemas/, draft 2020-12), by the file
 * docs/mqtt.md section 9 names for its topic. The schemas are handed in (the consumer reads no files);
 * each is found by its `$id`, `{base}{file}` (section 1.1), with `base` from the schema set itself.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv/dist/2020.js";

/** A published schema file's content. */
export type SchemaDocument = { readonly $id: string; readonly [keyword: string]: unknown };

export class ContractValidator {
  private readonly ajv = new Ajv2020({ allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction | undefined>();
  private readonly base: string;
  private readonly eventTypes: ReadonlySet<string>;

  /** `schemas`: every file of docs/schemas/. */
  constructor(schemas: readonly SchemaDocument[]) {
    for (const schema of schemas) this.ajv.addSchema(schema);
    const status = schemas.find((s) => s.$id.endsWith("/status.schema.json"));
    if (status === undefined) throw new Error("the schema set has no status.schema.json");
    this.base = status.$id.slice(0, -"status.schema.json".length);
    const eventData = schemas.find((s) => s.$id === `${this.base}event-data.schema.json`);
    this.eventTypes = new Set(Object.keys(eventData?.["$defs"] ?? {}));
  }

  /**
   * Problems of a message on `{prefix}/{gatewayId}/{suffix}` (empty when valid): the envelope or payload
   * against its topic's schema and, for an event of a known type, its `data` against
   * `event-data.schema.json#/$defs/{type}`. A topic without a schema is a problem too.
   */
  check(suffix: string, payload: unknown): string[] {
    const file = schemaFileOf(suffix);
    if (file === undefined) return [`${suffix}: no published schema for this topic`];
    const problems = this.against(file, payload, suffix);
    const body = (payload as { body?: { kind?: unknown; type?: unknown; data?: unknown } } | null)?.body;
    if (suffix === "events" && typeof body?.type === "string" && this.eventTypes.has(body.type))
      problems.push(...this.against(`event-data.schema.json#/$defs/${body.type}`, body.data, suffix));
    return problems;
  }

  /** Problems of a request this consumer is about to send (request schemas are closed). */
  checkRequest(command: string, request: unknown): string[] {
    return this.against(`request.${command}.schema.json`, request, `request/${command}`);
  }

  private against(ref: string, value: unknown, where: string): string[] {
    const validate = this.validator(ref);
    if (validate === undefined) return [`${where}: schema ${ref} is not published`];
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where} (${ref}): ${e.instancePath || "/"} ${e.message ?? "invalid"}`,
    );
  }

  private validator(ref: string): ValidateFunction | undefined {
    if (!this.compiled.has(ref)) this.compiled.set(ref, this.ajv.getSchema(`${this.base}${ref}`));
    return this.compiled.get(ref);
  }
}

/** The schema file of a topic suffix, as docs/mqtt.md section 2 maps them. */
function schemaFileOf(suffix: string): string | undefined {
  if (suffix === "status") return "status.schema.json";
  if (/^meters\/[^/]+\/state$/.test(suffix)) return "meter-state.schema.json";
  if (["readings", "billing", "events"].includes(suffix)) return `stream.${suffix}.schema.json`;
  const response = /^response\/([^/]+)/.exec(suffix);
  if (response !== null) return `response.${response[1]}.schema.json`;
  return undefined;
}
