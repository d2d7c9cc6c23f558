/**
 * Checks of the host the config names: files that must be readable (broker password, command key, TLS
 * material) and the data directory that must be writable. They are what `run` needs before it starts,
 * so `check-config` and `run` report them the same way, at the key that names the path. Commands that
 * only read the config (status, topup) skip them: a technician may not be allowed to read the key.
 */
import { dataDirProblem } from "../store/data-dir.ts";
import { isGatewayError } from "../../core/errors.ts";
import { readUplinkFiles } from "../uplink/client-options.ts";
import { readKeyRing } from "../uplink/keys/key-ring.ts";
import type { PathIssue } from "../config/issues.ts";
import type { Config } from "../config/schema.ts";
import { readMeterPassword } from "../config/meter-password.ts";
import { webAccessIssues } from "../web/access-check.ts";

/** Every problem with the paths of a parsed config (paths already absolute); empty when all are usable. */
export function hostPathIssues(config: Config): PathIssue[] {
  const issues: PathIssue[] = [];
  const dataDir = dataDirProblem(config.gateway.dataDir);
  if (dataDir !== undefined) issues.push({ path: ["gateway", "dataDir"], message: dataDir });
  issues.push(...meterPasswordIssues(config));
  issues.push(...webAccessIssues(config));
  const mqtt = config.mqtt;
  if (mqtt === undefined) return issues;
  // One file at a time, so every unreadable file is reported, not just the first.
  const files: Array<[string[], Parameters<typeof readUplinkFiles>[0]]> = [
    [["mqtt", "passwordFile"], { passwordFile: mqtt.passwordFile }],
    [["mqtt", "tls", "caFile"], { tls: { caFile: mqtt.tls?.caFile } }],
    [["mqtt", "tls", "certFile"], { tls: { certFile: mqtt.tls?.certFile } }],
    [["mqtt", "tls", "keyFile"], { tls: { keyFile: mqtt.tls?.keyFile } }],
  ];
  issues.push(...keyFileIssues(mqtt));
  for (const [path, only] of files) {
    try {
      readUplinkFiles(only);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      // The message starts with the key for `run`'s one-line errors; here the key is printed beside it.
      const message = error.message.replace(`${path.join(".")}: `, "");
      issues.push({ path, message });
    }
  }
  return issues;
}

/** Each command or uplink key file that cannot be read or holds too short a key, at its own key. */
function keyFileIssues(mqtt: NonNullable<Config["mqtt"]>): PathIssue[] {
  const issues: PathIssue[] = [];
  const entries = mqtt.commandKeys ?? [];
  type Probe = readonly [PathIssue["path"], Parameters<typeof readKeyRing>[0]];
  const probes: Probe[] = [
    ...(mqtt.commandKeyFile === undefined
      ? []
      : [[["mqtt", "commandKeyFile"], { commandKeyFile: mqtt.commandKeyFile }] as Probe]),
    ...entries.map(
      (entry, index) => [["mqtt", "commandKeys", index, "file"], { commandKeys: [entry] }] as Probe,
    ),
    ...(mqtt.uplinkKey === undefined
      ? []
      : [[["mqtt", "uplinkKey", "file"], { uplinkKey: mqtt.uplinkKey }] as Probe]),
  ];
  for (const [path, only] of probes) {
    try {
      readKeyRing(only);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      // The message starts with the key for `run`'s one-line errors; here the key is printed beside it.
      issues.push({ path, message: error.message.replace(/^[^:]*: /, "") });
    }
  }
  return issues;
}

/** The DL/T 645 meters whose password file cannot be read or does not hold a password. */
function meterPasswordIssues(config: Config): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const [index, meter] of config.meters.entries()) {
    if (meter.protocol !== "dlt645") continue;
    const path = ["meters", index, "relay", "passwordFile"];
    try {
      readMeterPassword(meter, path.join("."));
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      issues.push({ path, message: error.message.replace(/^[^:]*: /, "") });
    }
  }
  return issues;
}
