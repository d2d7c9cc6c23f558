/**
 * The test's side of the independent consumer: the published schema files and the consumer's settings
 * for a fault site (test/helpers/faults/site.ts). The consumer itself (client/) reads no files and
 * imports nothing of the gateway; this harness hands it what a platform would have: the schema files,
 * the broker URL, the gateway id, the command key and the uplink key.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BillingConsumer } from "./client/consumer.ts";
import type { SchemaDocument } from "./client/validator.ts";

const schemaDir = fileURLToPath(new URL("../../docs/schemas/", import.meta.url));

/** Every published schema file (docs/schemas/*.json). */
export function publishedSchemas(): SchemaDocument[] {
  return readdirSync(schemaDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(schemaDir, f), "utf8")) as SchemaDocument);
}

/** A consumer of the site's gateway (`mg/gw-test`), signing with the site's command key file. */
export function connectConsumer(options: {
  brokerUrl: string;
  keyFile: string;
  /** The site's uplink key file (id `up-1`). */
  uplinkKeyFile: string;
  clientId: string;
}): Promise<BillingConsumer> {
  return BillingConsumer.connect({
    url: options.brokerUrl,
    prefix: "mg",
    clientId: options.clientId,
    identity: { gatewayId: "gw-test", keyText: readFileSync(options.keyFile, "utf8"), ttlMs: 120_000 },
    uplinkKeys: new Map([["up-1", readFileSync(options.uplinkKeyFile, "utf8")]]),
    schemas: publishedSchemas(),
    sessionExpirySec: 3600,
    connectTimeoutMs: 10_000,
  });
}
