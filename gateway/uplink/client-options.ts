/**
 * MQTT.js client options from the `mqtt` config: MQTT 5, a persistent session under a stable client id
 * (the command subscription survives a disconnect), the retained `offline` last will, TLS material read
 * from files. Reconnecting is ours (reconnectPeriod 0, see uplink.ts), so MQTT.js never holds a backlog.
 * Secrets are read here and kept out of every log line and error message.
 */
import { readFailure } from "../../core/file-errors.ts";
import { readFileSync } from "node:fs";
import type { IClientOptions } from "mqtt";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { MqttUplinkConfig, UplinkSettings } from "../config/mqtt.ts";
import { commandKeyFromText } from "./commands/signature.ts";

/** Secrets and certificates read from the files the config names. */
export interface UplinkFiles {
  readonly password?: string;
  readonly commandKey?: Buffer;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** The file's content. @throws GatewayError(ConfigInvalid) `<configKey>: cannot read the <what> file ...` */
function readFile(file: string, what: string, configKey: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GatewayError(
      ErrorCode.ConfigInvalid,
      `${configKey}: cannot read the ${what} file ${file}: ${readFailure(code)}`,
      { path: configKey, file, code },
    );
  }
}

/**
 * Reads every file the config names. @throws GatewayError(ConfigInvalid) whose message starts with the
 * config key (`mqtt.commandKeyFile: ...`) and names the file, never its content; `context.path` is the key.
 * @param section config path the keys are reported under: `mqtt` in the gateway config, empty in a client config
 */
export function readUplinkFiles(
  config: Pick<MqttUplinkConfig, "passwordFile" | "commandKeyFile" | "tls">,
  section = "mqtt",
): UplinkFiles {
  const at = (key: string): string => (section === "" ? key : `${section}.${key}`);
  const files: { -readonly [K in keyof UplinkFiles]: UplinkFiles[K] } = {};
  if (config.passwordFile !== undefined) {
    files.password = readFile(config.passwordFile, "broker password", at("passwordFile"))
      .toString("utf8")
      .replace(/[\r\n]+$/, "");
  }
  if (config.commandKeyFile !== undefined) {
    const text = readFile(config.commandKeyFile, "command key", at("commandKeyFile")).toString("utf8");
    try {
      files.commandKey = commandKeyFromText(text);
    } catch (error) {
      throw new GatewayError(
        ErrorCode.ConfigInvalid,
        `${at("commandKeyFile")}: ${config.commandKeyFile}: ${(error as Error).message}`,
        { path: at("commandKeyFile"), file: config.commandKeyFile },
      );
    }
  }
  const tls = config.tls;
  if (tls?.caFile !== undefined) files.ca = readFile(tls.caFile, "CA certificate", at("tls.caFile"));
  if (tls?.certFile !== undefined)
    files.cert = readFile(tls.certFile, "client certificate", at("tls.certFile"));
  if (tls?.keyFile !== undefined) files.key = readFile(tls.keyFile, "client key", at("tls.keyFile"));
  return files;
}

/** What {@link clientOptions} needs besides the config. */
export interface ClientOptionsInput {
  readonly config: Pick<MqttUplinkConfig, "url" | "clientId" | "username" | "tls" | "protocolVersion">;
  readonly settings: Pick<UplinkSettings, "keepaliveSec" | "connectTimeoutMs" | "sessionExpirySec">;
  readonly clientId: string;
  readonly files: UplinkFiles;
  /** Retained last will, published by the broker if the connection drops without a DISCONNECT. */
  readonly will?: { readonly topic: string; readonly payload: string };
  /** Persistent session (gateway) or a throwaway one (reference client). */
  readonly persistentSession: boolean;
}

/** MQTT.js options for one connection attempt. */
export function clientOptions(input: ClientOptionsInput): IClientOptions {
  const { config, settings, files } = input;
  const options: IClientOptions = {
    protocolVersion: config.protocolVersion ?? 5,
    clientId: input.clientId,
    clean: !input.persistentSession,
    keepalive: settings.keepaliveSec,
    connectTimeout: settings.connectTimeoutMs,
    // Reconnecting, and therefore what is resent after a reconnect, is decided by the uplink.
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
    // mqtt-packet's number cache is 65,536 two-byte Buffers (about 6 MB of heap, a sixth of the
    // gateway's live heap with 1,000 meters) to save one tiny allocation per packet.
    writeCache: false,
    // MQTT.js logs through `debug`, whose calls build their arguments even when off, several per
    // packet; DEBUG=mqttjs* still turns them on.
    ...(process.env["DEBUG"]?.includes("mqttjs") === true ? {} : { log: () => {} }),
    // MQTT 5 only; on 3.1.1 a persistent session is clean: false alone.
    ...((config.protocolVersion ?? 5) === 5
      ? { properties: input.persistentSession ? { sessionExpiryInterval: settings.sessionExpirySec } : {} }
      : {}),
  };
  if (config.username !== undefined) options.username = config.username;
  if (files.password !== undefined) options.password = files.password;
  if (input.will !== undefined) {
    options.will = {
      topic: input.will.topic,
      payload: Buffer.from(input.will.payload),
      qos: 1,
      retain: true,
    };
  }
  if (files.ca !== undefined) options.ca = files.ca;
  if (files.cert !== undefined) options.cert = files.cert;
  if (files.key !== undefined) options.key = files.key;
  if (config.tls?.servername !== undefined) options.servername = config.tls.servername;
  options.rejectUnauthorized = config.tls?.rejectUnauthorized ?? true;
  return options;
}
