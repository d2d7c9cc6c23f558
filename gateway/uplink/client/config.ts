/**
 * The reference client's config file (CLIENT_CONFIG): a small YAML naming the broker, the gateway and the
 * command key. Validated with zod; every bad field is reported with its path. Relative file paths resolve
 * against the client config file's directory.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import { brokerUrlSchema, mqttTlsConfigSchema, topicPrefixSchema } from "../../config/mqtt.ts";
import { gatewayIdSchema } from "../envelope.ts";
import { keyIdSchema } from "../../config/keys.ts";
import {
  commandTtlBoundsSec as ttl,
  defaultClientTtlSec,
  defaultCommandMaxTtlSec,
} from "../../config/command-ttl.ts";

export const clientConfigSchema = z
  .strictObject({
    /** Broker URL, e.g. `mqtts://broker.example.com:8883`. */
    url: brokerUrlSchema,
    /** Gateway to command: its `gateway.id`. */
    gatewayId: gatewayIdSchema,
    /** Same as the gateway's `mqtt.topicPrefix`; default `mg`. */
    topicPrefix: topicPrefixSchema.default("mg"),
    /** File holding the gateway's command key (same content as the gateway's `mqtt.commandKeyFile`). */
    commandKeyFile: z.string().min(1),
    /** The id of that key on the gateway (`mqtt.commandKeys[].id`), sent as `kid`. Absent: no `kid`. */
    commandKeyId: keyIdSchema.optional(),
    /** MQTT client id, 1..64 characters. Absent: a random one. */
    clientId: z.string().min(1).max(64).optional(),
    /** Broker user name. */
    username: z.string().min(1).optional(),
    /** File holding the broker password. */
    passwordFile: z.string().min(1).optional(),
    /** TLS options for `mqtts://` and `wss://`. */
    tls: mqttTlsConfigSchema.optional(),
    /** MQTT protocol version, 5 (default) or 4 (3.1.1), as the gateway's `mqtt.protocolVersion`. */
    protocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
    /** How long to wait for the response, ms: 1000..300000, default 15000. */
    timeoutMs: z.int().min(1000).max(300_000).default(15_000),
    /**
     * Validity of a command (`expiresAt - issuedAt`), s: 10..`gatewayMaxTtlSec`, default 120. The gateway
     * refuses a longer one (BAD_VALIDITY), so the config is refused instead.
     */
    ttlSec: z.int().min(ttl.min).max(ttl.max).default(defaultClientTtlSec),
    /** The gateway's `mqtt.commandMaxTtlSec`, s: 10..86400; default the gateway's default, 900. */
    gatewayMaxTtlSec: z.int().min(ttl.min).max(ttl.max).default(defaultCommandMaxTtlSec),
  })
  .check((ctx) => {
    const { ttlSec, gatewayMaxTtlSec } = ctx.value;
    if (ttlSec > gatewayMaxTtlSec) {
      ctx.issues.push({
        code: "custom",
        input: ttlSec,
        path: ["ttlSec"],
        message: `${ttlSec} s is longer than the gateway accepts (gatewayMaxTtlSec ${gatewayMaxTtlSec}, the gateway's mqtt.commandMaxTtlSec); lower ttlSec or set gatewayMaxTtlSec to the gateway's limit`,
      });
    }
  });

export type ClientConfig = z.output<typeof clientConfigSchema>;

/** Parses and validates client config text; paths resolve against `baseDir`. @throws GatewayError listing every bad field. */
export function parseClientConfig(text: string, baseDir: string, source = "client config"): ClientConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new GatewayError(ErrorCode.ConfigInvalid, `${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = clientConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.join(".");
      return `  ${path === "" ? "(top level)" : path}: ${issue.message}`;
    });
    throw new GatewayError(ErrorCode.ConfigInvalid, `${source} is invalid:\n${lines.join("\n")}`, {
      issues: result.error.issues.map((i) => i.path.join(".")),
    });
  }
  const config = result.data;
  const from = (path: string): string => resolve(baseDir, path);
  return {
    ...config,
    commandKeyFile: from(config.commandKeyFile),
    ...(config.passwordFile === undefined ? {} : { passwordFile: from(config.passwordFile) }),
    ...(config.tls === undefined
      ? {}
      : {
          tls: {
            ...config.tls,
            ...(config.tls.caFile === undefined ? {} : { caFile: from(config.tls.caFile) }),
            ...(config.tls.certFile === undefined ? {} : { certFile: from(config.tls.certFile) }),
            ...(config.tls.keyFile === undefined ? {} : { keyFile: from(config.tls.keyFile) }),
          },
        }),
  };
}

/** Reads and validates a client config file. */
export function loadClientConfig(file: string): ClientConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new GatewayError(ErrorCode.ConfigInvalid, `cannot read client config ${file} (${reason})`);
  }
  return parseClientConfig(text, dirname(resolve(file)), file);
}
