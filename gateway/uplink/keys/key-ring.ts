/**
 * The keys the uplink works with, read from the files the `mqtt` config names: the command keys it
 * accepts (each with its id and validity) and the uplink key it signs its messages with. Read at start
 * and again on every reload (SIGHUP); a key that cannot be read never replaces one in force.
 * Key bytes are kept out of every message and log line.
 */
import { readFileSync } from "node:fs";
import { readFailure } from "../../../core/file-errors.ts";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import type { MqttUplinkConfig } from "../../config/mqtt.ts";
import { commandKeyConfigs } from "../../config/keys.ts";
import { commandKeyFromText } from "../commands/signature.ts";

/** One accepted command key. */
export interface CommandKey {
  readonly id: string;
  readonly key: Buffer;
  /** Refused before this instant, epoch ms; undefined: no start. */
  readonly notBeforeMs?: number;
  /** Refused after this instant, epoch ms; undefined: no end. */
  readonly notAfterMs?: number;
}

/** The key the gateway signs its messages with (docs/mqtt.md 6.2.2). */
export interface UplinkKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Every key in force. */
export interface KeyRing {
  readonly commandKeys: readonly CommandKey[];
  readonly uplinkKey?: UplinkKey;
}

/** The key text's bytes. @throws GatewayError(ConfigInvalid) `<configKey>: <file>: <problem>` */
function readKeyFile(file: string, what: string, configKey: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GatewayError(
      ErrorCode.ConfigInvalid,
      `${configKey}: cannot read the ${what} file ${file}: ${readFailure(code)}`,
      { path: configKey, file, code },
    );
  }
  try {
    return commandKeyFromText(text);
  } catch (error) {
    // The message says how long the key is, never what it is.
    const problem = (error as Error).message.replace(/^command key/, what);
    throw new GatewayError(ErrorCode.ConfigInvalid, `${configKey}: ${file}: ${problem}`, {
      path: configKey,
      file,
    });
  }
}

/** The config key of each file the ring is read from, with the file, for reports (`mqtt.commandKeys[1].file`). */
export function keyFiles(
  mqtt: Pick<MqttUplinkConfig, "commandKeyFile" | "commandKeys" | "uplinkKey">,
  section = "mqtt",
): Array<{ readonly configKey: string; readonly file: string; readonly what: string }> {
  const files = commandKeyConfigs(mqtt).map((entry, index) => ({
    configKey:
      mqtt.commandKeys === undefined ? `${section}.commandKeyFile` : `${section}.commandKeys[${index}].file`,
    file: entry.file,
    what: "command key",
  }));
  if (mqtt.uplinkKey !== undefined)
    files.push({ configKey: `${section}.uplinkKey.file`, file: mqtt.uplinkKey.file, what: "uplink key" });
  return files;
}

/**
 * Reads every key the config names.
 * @throws GatewayError(ConfigInvalid) naming the config key and the file of the first that cannot be used.
 */
export function readKeyRing(
  mqtt: Pick<MqttUplinkConfig, "commandKeyFile" | "commandKeys" | "uplinkKey">,
  section = "mqtt",
): KeyRing {
  const files = keyFiles(mqtt, section);
  const commandKeys = commandKeyConfigs(mqtt).map((entry, index): CommandKey => {
    const source = files[index]!;
    return {
      id: entry.id,
      key: readKeyFile(source.file, source.what, source.configKey),
      ...(entry.notBefore === undefined ? {} : { notBeforeMs: Date.parse(entry.notBefore) }),
      ...(entry.notAfter === undefined ? {} : { notAfterMs: Date.parse(entry.notAfter) }),
    };
  });
  const uplink = mqtt.uplinkKey;
  if (uplink === undefined) return { commandKeys };
  const key = readKeyFile(uplink.file, "uplink key", `${section}.uplinkKey.file`);
  return { commandKeys, uplinkKey: { id: uplink.id, key } };
}

/** What a platform may see of a ring: ids and validity, never key bytes. */
export function describeKeyRing(ring: KeyRing): {
  commandKeys: string[];
  uplinkKey: string | null;
} {
  return { commandKeys: ring.commandKeys.map((k) => k.id), uplinkKey: ring.uplinkKey?.id ?? null };
}

/** True when two rings hold the same ids, validity and key bytes. */
export function sameKeyRing(a: KeyRing, b: KeyRing): boolean {
  const sameKey = (x: { id: string; key: Buffer } | undefined, y: { id: string; key: Buffer } | undefined) =>
    x === undefined || y === undefined ? x === y : x.id === y.id && x.key.equals(y.key);
  return (
    a.commandKeys.length === b.commandKeys.length &&
    a.commandKeys.every((key, i) => {
      const other = b.commandKeys[i]!;
      return (
        sameKey(key, other) && key.notBeforeMs === other.notBeforeMs && key.notAfterMs === other.notAfterMs
      );
    }) &&
    sameKey(a.uplinkKey, b.uplinkKey)
  );
}
